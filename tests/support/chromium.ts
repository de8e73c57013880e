import { existsSync } from "node:fs";
import type { LaunchOptions } from "@playwright/test";

/** How the browser tests and the benchmark start Chromium: the system's when there is one. */
export const chromiumLaunchOptions: LaunchOptions = {
  executablePath: [process.env.CHROMIUM_PATH, "/usr/bin/chromium"].find((p) => p && existsSync(p)),
  args: [
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
  ],
};
