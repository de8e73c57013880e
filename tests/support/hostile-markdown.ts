/**
 * Inputs on which micromark is super-linear, each within MAX_MESSAGE_CHARS (32,000): on the
 * server's own thread they held it for 16–32 s, 100 s and then a stack overflow, and 5 s and then
 * a stack overflow.
 */
export const hostileMarkdown = {
  emphasis: "_*".repeat(16_000),
  stars: "*".repeat(15_999) + "a" + "*".repeat(16_000),
  quotes: "> ".repeat(16_000),
};
