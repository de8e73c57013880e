import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { brotliDecompressSync } from "node:zlib";
import { chromium, type LaunchOptions } from "@playwright/test";
import { npmPackageDir } from "./npm-package";
import { makeWholeDir } from "./whole-dir";

const packagedChromiumVersion = "153.0.0";

const args = [
  "--disable-gpu",
  "--disable-dev-shm-usage",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
  "--no-first-run",
];

/**
 * How the browser tests and the benchmark start Chromium, first found of: CHROMIUM_PATH, the
 * system's (/usr/bin/chromium, what CI installs with apt), Playwright's own (`npx playwright install
 * chromium`), and on Linux x64 the headless Chromium packaged on npm as @sparticuz/chromium, fetched
 * on first use (./npm-package.ts).
 */
export function chromiumLaunchOptions(): LaunchOptions {
  const system = [process.env.CHROMIUM_PATH, "/usr/bin/chromium"].find((p) => p && existsSync(p));
  if (system) return { executablePath: system, args };
  if (existsSync(chromium.executablePath())) return { args };
  const packaged = packagedChromium();
  if (packaged) return { ...packaged, args };
  throw new Error(
    "No Chromium for the browser tests: none at CHROMIUM_PATH or /usr/bin/chromium, no Playwright browser, and " +
      "the packaged one from npm is for Linux x64 only. Run `npx playwright install chromium`, " +
      "install one (apt-get install -y chromium), or set CHROMIUM_PATH.",
  );
}

/**
 * The npm package holds brotli-compressed files: the browser, the NSS and expat libraries it links
 * (absent from a bare system) and a font. They are unpacked once into node_modules/.cache; the
 * unpacking is synchronous because Playwright reads its config synchronously.
 */
function packagedChromium(): Pick<LaunchOptions, "executablePath" | "env"> | undefined {
  if (process.platform !== "linux" || process.arch !== "x64") return undefined;
  const pkgDir = npmPackageDir("@sparticuz/chromium", packagedChromiumVersion, "a headless Chromium, 67 MB");
  const dir = path.join(pkgDir, "..", "..", ".cache", `threadkeeper-chromium-${packagedChromiumVersion}`);
  if (!existsSync(path.join(dir, "chromium")))
    makeWholeDir(dir, (partial) => {
      chmodSync(partial, 0o755);
      const unbrotli = (name: string) => brotliDecompressSync(readFileSync(path.join(pkgDir, "bin", name)));
      extractTar(unbrotli("al2023.tar.br"), partial); // lib/
      extractTar(unbrotli("fonts.tar.br"), partial); // fonts/
      writeFileSync(
        path.join(partial, "fonts.conf"),
        `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
          `  <dir>${path.join(dir, "fonts")}</dir>\n  <dir>/usr/share/fonts</dir>\n` +
          `  <cachedir>${path.join(dir, "fonts-cache")}</cachedir>\n</fontconfig>\n`,
      );
      writeFileSync(path.join(partial, "chromium"), unbrotli("chromium.br"), { mode: 0o755 });
    });
  const libs = path.join(dir, "lib");
  return {
    executablePath: path.join(dir, "chromium"),
    env: {
      ...process.env,
      LD_LIBRARY_PATH: [libs, process.env.LD_LIBRARY_PATH].filter(Boolean).join(":"),
      FONTCONFIG_PATH: dir,
    },
  };
}

/** Unpacks the regular files and folders of a ustar archive (all the package's archives hold). */
function extractTar(tar: Buffer, into: string) {
  const field = (block: Buffer, start: number, length: number) =>
    block
      .subarray(start, start + length)
      .toString("utf8")
      .replace(/\0.*$/s, "");
  for (let offset = 0; offset + 512 <= tar.length;) {
    const header = tar.subarray(offset, offset + 512);
    const name = [field(header, 345, 155), field(header, 0, 100)].filter(Boolean).join("/");
    if (!name) break; // the zero blocks that end the archive
    const size = parseInt(field(header, 124, 12).trim() || "0", 8);
    const mode = parseInt(field(header, 100, 8).trim() || "644", 8) & 0o755;
    const type = field(header, 156, 1);
    const target = path.resolve(into, name);
    if (!target.startsWith(path.resolve(into) + path.sep)) throw new Error(`tar entry outside its folder: ${name}`);
    if (type === "5") mkdirSync(target, { recursive: true });
    else if (type === "0" || type === "") {
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, tar.subarray(offset + 512, offset + 512 + size));
      chmodSync(target, mode);
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
}
