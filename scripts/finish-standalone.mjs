// After `next build`: makes .next/standalone a folder an operator can copy to a server and start
// with `node server.js` (Next.js leaves out the static files, and the app reads its migrations),
// and migrate with `node migrate.mjs` (the modules that script loads are traced like the server's).
import { copyFileSync, cpSync, existsSync, mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const out = ".next/standalone";
if (!existsSync(`${out}/server.js`)) {
  console.error(`${out}/server.js is missing: run \`next build\` first (next.config.ts sets output: "standalone").`);
  process.exit(1);
}
// Never ship the development database or its auth secret (next.config.ts excludes them from tracing).
if (existsSync(`${out}/.data`)) {
  rmSync(`${out}/.data`, { recursive: true, force: true });
  console.warn(`${out}/.data (a development database) was traced into the output: removed.`);
}
for (const [from, to] of [
  [".next/static", `${out}/.next/static`],
  ["public", `${out}/public`],
  ["drizzle", `${out}/drizzle`],
]) {
  if (existsSync(from)) cpSync(from, to, { recursive: true });
}

// The migration command: drizzle-orm is bundled into the server's chunks, so its migrator is not in the
// standalone node_modules until traced here (with Next.js's own copy of the tracer it uses for the server).
const { nodeFileTrace } = createRequire(import.meta.url)("next/dist/compiled/@vercel/nft");
const { fileList } = await nodeFileTrace(["scripts/migrate.mjs"], { base: process.cwd() });
for (const file of fileList) {
  if (!file.startsWith("node_modules/")) continue;
  const target = path.join(out, file);
  if (existsSync(target)) continue;
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(file, target);
}
copyFileSync("scripts/migrate.mjs", `${out}/migrate.mjs`);

// PGlite loads these from its package directory at run time, and a tracing exclude that matched them
// once went unnoticed until the embedded database failed to start (ENOENT pglite.data): fail the build instead.
const pglite = "node_modules/@electric-sql/pglite/dist";
const missing = ["pglite.data", "pglite.wasm", "initdb.wasm"].filter(
  (name) => !existsSync(path.join(out, pglite, name)),
);
if (missing.length > 0) {
  console.error(`${out}/${pglite} lacks ${missing.join(", ")}: check outputFileTracingExcludes in next.config.ts.`);
  process.exit(1);
}

console.log(
  `${out} is ready: copy it to a server, run \`node migrate.mjs\` there once per version (with DATABASE_URL), then \`node server.js\` (PORT, HOSTNAME and the app's variables from the environment).`,
);
