// After `next build`: makes .next/standalone a folder an operator can copy to a server and start
// with `node server.js` (Next.js leaves out the static files, and the app reads its migrations).
import { cpSync, existsSync } from "node:fs";

const out = ".next/standalone";
if (!existsSync(`${out}/server.js`)) {
  console.error(`${out}/server.js is missing: run \`next build\` first (next.config.ts sets output: "standalone").`);
  process.exit(1);
}
for (const [from, to] of [
  [".next/static", `${out}/.next/static`],
  ["public", `${out}/public`],
  ["drizzle", `${out}/drizzle`],
]) {
  if (existsSync(from)) cpSync(from, to, { recursive: true });
}
console.log(
  `${out} is ready: copy it to a server and run \`node server.js\` there (PORT, HOSTNAME and the app's variables from the environment).`,
);
