import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { startFakeOpenAI } from "../support/fake-openai";
import { migratePostgres } from "../support/migrate";
import { startTestPostgres } from "../support/postgres";

async function waitForServer(url: string, server: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`next start exited early:\n${log()}`);
    try {
      const res = await fetch(url, { redirect: "manual" });
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`next start did not answer on ${url}:\n${log()}`);
}

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
    NEXT_TELEMETRY_DISABLED: "1",
    // Every test signs up from 127.0.0.1; the limit itself is tested with its own client address.
    AUTH_RATE_LIMIT_MAX: "10000",
    CHAT_RATE_LIMIT_PER_MINUTE: "30",
    MODEL_TIMEOUT_MS: "3000",
  };
  process.env.E2E_DATABASE_URL = postgres.url;
  process.env.E2E_MODEL_URL = model.url;

  if (process.env.E2E_SKIP_BUILD !== "1") {
    const build = spawnSync("npx", ["next", "build"], { env: { ...env, NODE_ENV: "production" }, stdio: "inherit" });
    if (build.status !== 0) throw new Error("next build failed");
  }

  let output = "";
  const server = spawn("npx", ["next", "start", "-H", "127.0.0.1", "-p", port], {
    env: { ...env, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  server.stdout!.on("data", (d) => (output += d));
  server.stderr!.on("data", (d) => (output += d));
  await waitForServer(`${baseURL}/sign-in`, server, () => output);

  return async () => {
    if (server.pid) {
      try {
        process.kill(-server.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    if (process.env.E2E_SHOW_SERVER_LOG) console.log(output);
    await model.close();
    await postgres.stop();
  };
}
