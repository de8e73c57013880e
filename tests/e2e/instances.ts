import type { Browser, Page } from "@playwright/test";
import { startApp, type AppServer } from "../support/app-server";
import { migratePostgres } from "../support/migrate";
import { createDatabase, freePort } from "../support/postgres";

/**
 * Another `next start` of the tested build: the main server's settings (database, model, secret)
 * with `env` on top, on a port of its own, or on a fresh database of its own when a test needs
 * an empty instance or rate-limit rows no other test touches. Its output goes to `logFile`.
 */
export async function startInstance(
  label: string,
  env: Record<string, string> = {},
  options: { freshDatabase?: boolean; migrate?: boolean; host?: string } = {},
) {
  const port = await freePort();
  // `host: "localhost"` for WebAuthn, which refuses an IP address as the site's name.
  const url = `http://${options.host ?? "127.0.0.1"}:${port}`;
  const base = JSON.parse(process.env.E2E_APP_ENV!) as Record<string, string>;
  if (options.freshDatabase) {
    base.DATABASE_URL = await createDatabase(process.env.E2E_DATABASE_URL!, `${label}_${process.pid}_${Date.now()}`);
    if (options.migrate !== false) await migratePostgres(base.DATABASE_URL);
  }
  const logFile = `${process.env.E2E_SERVER_LOG}.${label}-${port}`;
  const app: AppServer = await startApp(port, { ...process.env, ...base, BETTER_AUTH_URL: url, ...env }, logFile);
  return { ...app, url, logFile, databaseUrl: base.DATABASE_URL! };
}

/**
 * An instance that lets a reply held by a `[hold=N]` marker wait for the test (releaseReply) as
 * long as it takes: the main test server gives up on a model that is silent for 3 s.
 */
export const startPatientInstance = (label: string, env: Record<string, string> = {}) =>
  startInstance(label, { MODEL_TIMEOUT_MS: "600000", ...env });

/** A page on a patient instance of its own (its context has that baseURL); both are gone afterwards. */
export async function onPatientInstance(
  browser: Browser,
  label: string,
  env: Record<string, string>,
  run: (page: Page) => Promise<void>,
) {
  const app = await startPatientInstance(label, env);
  const context = await browser.newContext({ baseURL: app.url });
  try {
    await run(await context.newPage());
  } finally {
    await context.close();
    await app.stop();
  }
}
