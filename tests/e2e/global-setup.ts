import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildApp, startApp } from "../support/app-server";
import { startFakeOpenAI } from "../support/fake-openai";
import { migratePostgres } from "../support/migrate";
import { startTestPostgres } from "../support/postgres";

/**
 * The browser tests run against what users run: a production build on real PostgreSQL, with the
 * only fake being the model behind an OpenAI-compatible HTTP API.
 */
export default async function globalSetup() {
  const postgres = await startTestPostgres("e2e");
  await migratePostgres(postgres.url);
  const model = await startFakeOpenAI({ tokenDelayMs: 5 });
  const port = process.env.E2E_PORT!;
  const baseURL = `http://127.0.0.1:${port}`;

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: postgres.url,
    BETTER_AUTH_SECRET: "e2e-secret-e2e-secret-e2e-secret-0123456",
    BETTER_AUTH_URL: baseURL,
    OPENAI_API_KEY: "test-key",
    OPENAI_BASE_URL: model.url,
    OPENAI_MODEL: "fake-model",
    OPENAI_MODELS: "fake-model,fake-model-mini",
    NEXT_TELEMETRY_DISABLED: "1",
    // Every test signs up from 127.0.0.1; the limit itself is tested with its own client address.
    AUTH_RATE_LIMIT_MAX: "10000",
    CHAT_RATE_LIMIT_PER_MINUTE: "30",
    // Every test opens share links from 127.0.0.1 too; the per-address limit is tested on an instance of its own.
    SHARE_VIEW_RATE_LIMIT_PER_MINUTE: "100000",
    MODEL_TIMEOUT_MS: "3000",
    // The isolation matrix and the hostile-input corpus act as this admin (tests/e2e/helpers.ts).
    ADMIN_EMAILS: "e2e-admin@example.com",
    METRICS_TOKEN: "e2e-metrics-token",
    // Instances stopped by tests stop fast even with a reply still running.
    SHUTDOWN_GRACE_MS: "2000",
  };
  process.env.E2E_DATABASE_URL = postgres.url;
  // Tests that start another instance of the app (same database, model and secret) use this.
  process.env.E2E_APP_ENV = JSON.stringify(
    Object.fromEntries(Object.entries(env).filter(([k]) => k !== "PATH" && !k.startsWith("npm_"))),
  );
  process.env.E2E_MODEL_URL = model.url;

  if (process.env.E2E_SKIP_BUILD !== "1") buildApp(env);
  // The server's output, readable by tests: without SMTP_URL, account emails are logged there.
  process.env.E2E_SERVER_LOG = path.join(mkdtempSync(path.join(tmpdir(), "e2e-")), "server.log");
  const server = await startApp(Number(port), env, process.env.E2E_SERVER_LOG);

  return async () => {
    await server.stop();
    if (process.env.E2E_SHOW_SERVER_LOG) console.log(server.log());
    await model.close();
    await postgres.stop();
  };
}
