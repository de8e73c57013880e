let counter = 0;

/** An address no other test (in this process or another, now or in an earlier run) signs up with. */
export const uniqueEmail = (prefix = "user") => `${prefix}-${process.pid}-${Date.now()}-${counter++}@example.com`;
