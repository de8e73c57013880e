import path from "node:path";

/**
 * drizzle-kit's migrations. Not server-only like the rest of db/: the test and benchmark harness
 * migrates its PostgreSQL servers with them, outside Next.js.
 */
export const migrationsFolder = path.join(process.cwd(), "drizzle");
