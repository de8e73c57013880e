import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test, type ConsoleMessage, type Page } from "@playwright/test";
import { password } from "./helpers";
import { uniqueEmail } from "../support/unique-email";

/**
 * The first run as a new user meets it: `next dev` with nothing configured (the embedded database,
 * here in a folder of its own, and the demo model), its first visit to /sign-in, /sign-up and,
 * after signing up, / shows no error or warning in the browser's console and no issue in Next's
 * dev overlay (a production build cannot show either: React's hydration checks are dev-only).
 * One dev server, each route compiled once.
 */

test.describe.configure({ mode: "serial" });
// Compiling each route on demand takes a while on a small, busy machine.
test.setTimeout(480_000);

let server: { url: string; process: ChildProcess; output: () => string; dataDir: string } | undefined;

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

test.beforeAll(async () => {
  test.setTimeout(480_000);
  const dataDir = mkdtempSync(path.join(tmpdir(), "dev-first-visit-"));
  const port = await freePort();
  const env: Record<string, string | undefined> = {};
  // The machine's own variables (PATH, HOME, …), none of the app's: a fresh clone has no .env.
  for (const [key, value] of Object.entries(process.env))
    if (!/^(DATABASE_|OPENAI_|BETTER_AUTH_|SMTP_|ADMIN_|SIGNUP_|NODE_ENV$|E2E_|PORT$|__NEXT)/.test(key))
      env[key] = value;
  Object.assign(env, {
    PGLITE_DATA_DIR: path.join(dataDir, "pglite"),
    // Given, so the dev server writes no .data/auth-secret into the working copy.
    BETTER_AUTH_SECRET: "dev-first-visit-secret-0123456789abcdef",
    NEXT_TELEMETRY_DISABLED: "1",
  });
  const nextBin = path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next");
  let output = "";
  // Its own process group: `next dev` starts a server process of its own, stopped with it.
  // `next dev -p PORT`, opened at the address it prints (http://localhost:PORT), as the README has a new user do.
  const child = spawn(process.execPath, [nextBin, "dev", "-p", String(port)], {
    env: env as NodeJS.ProcessEnv,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  server = { url: `http://localhost:${port}`, process: child, output: () => output, dataDir };

  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`next dev exited:\n${output}`);
    if (/Ready in/.test(output)) break;
    if (Date.now() > deadline) throw new Error(`next dev did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
});

test.afterAll(async () => {
  if (!server) return;
  const { process: child, dataDir } = server;
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(-child.pid!, "SIGTERM");
    const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Everything the page logs as an error or a warning, and every uncaught error. */
function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message: ConsoleMessage) => {
    if (message.type() === "error" || message.type() === "warning")
      problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  return problems;
}

/** The dev overlay's "N Issues" pill (in its shadow root, which locators pierce): there only when there are issues. */
const issuesBadge = (page: Page) => page.locator("nextjs-portal [data-issues]");

test("first visits in dev mode: /sign-in, /sign-up, then / after signing up, with a clean console and no dev overlay issue", async ({
  browser,
}) => {
  // A dark system theme: the theme script then changes <html> (class and style) before React hydrates it.
  const context = await browser.newContext({ baseURL: server!.url, colorScheme: "dark" });
  const page = await context.newPage();
  const problems = watchConsole(page);
  const expectClean = async (what: string) => {
    // Hydration is over once the page's controls are enabled; React reports mismatches during it.
    await expect(issuesBadge(page), `${what}: dev overlay`).toHaveCount(0);
    expect(problems, `${what}: console`).toEqual([]);
  };

  await page.goto("/sign-in");
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeEnabled({ timeout: 240_000 });
  await expectClean("/sign-in");

  await page.goto("/sign-up");
  await expect(page.getByRole("button", { name: "Sign up" })).toBeEnabled({ timeout: 240_000 });
  await expectClean("/sign-up");
  await page.getByLabel("Name").fill("First Person");
  await page.getByLabel("Email").fill(uniqueEmail("first"));
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign up" }).click();

  await expect(page).toHaveURL(/\/$/, { timeout: 240_000 });
  await expect(page.getByRole("textbox", { name: "Message" })).toBeEnabled({ timeout: 240_000 });
  await expect(page.getByRole("status").filter({ hasText: "Demo model" })).toBeVisible();
  await expectClean("/");
  // The dev server compiled the first visit's routes ahead of the browser (lib/http/dev-prewarm.ts):
  // all of them, without an error in its log (checked below).
  await expect
    .poll(() => server!.output().includes("dev prewarm: first-visit routes compiled"), { timeout: 240_000 })
    .toBe(true);
  // The server's log too (the app's WARN/ERROR lines, Next's ⚠ and ⨯), but for two notices about the
  // setting rather than the app: better-auth deriving its URL from the request (the documented default
  // without BETTER_AUTH_URL), and Turbopack timing one file write at start, which exceeds its threshold
  // when the test run loads the disk from other workers.
  const notices = ["[better-auth] Base URL is not set", "Slow filesystem detected"];
  const serverProblems = server!
    .output()
    .split("\n")
    .filter((line) => /\b(WARN|ERROR|FATAL)\b|⚠|⨯/.test(line) && !notices.some((notice) => line.includes(notice)));
  expect(serverProblems, "the dev server's log").toEqual([]);
  await context.close();
});
