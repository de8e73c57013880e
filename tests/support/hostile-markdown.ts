/** Inputs on which micromark is super-linear: on the server's own thread each held it for seconds to minutes, or overflowed its stack. */
export const hostileMarkdown = {
  emphasis: "_*".repeat(16_000),
  stars: "*".repeat(16_000) + "a" + "*".repeat(16_000),
  quotes: "> ".repeat(16_000),
};
