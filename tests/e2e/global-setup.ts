import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { buildApp, startApp } from "../support/app-server";
import { startFakeOpenAI } from "../support/fake-openai";
import { startMcpServer, type TestMcpServer } from "../support/mcp-server";
import { startMcpOAuthIssuer } from "../support/mcp-oauth";
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
  const mcp = await startMcpServers();
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
    // The import's size limit, small enough for the hostile corpus to pass it (tests/e2e/hostile-input.spec.ts).
    IMPORT_MAX_BYTES: "8388608",
    // Every test opens share links from 127.0.0.1 too; the per-address limit is tested on an instance of its own.
    SHARE_VIEW_RATE_LIMIT_PER_MINUTE: "100000",
    MODEL_TIMEOUT_MS: "3000",
    // The isolation matrix and the hostile-input corpus act as this admin (tests/e2e/helpers.ts).
    ADMIN_EMAILS: "e2e-admin@example.com",
    METRICS_TOKEN: "e2e-metrics-token",
    // Instances stopped by tests stop fast even with a reply still running.
    SHUTDOWN_GRACE_MS: "2000",
    // The test MCP servers and their OAuth provider listen on 127.0.0.1; tests of the address
    // guard itself run on an instance of their own with MCP_ALLOWED_HOSTS="".
    MCP_ALLOWED_HOSTS: "127.0.0.1",
  };
  process.env.E2E_DATABASE_URL = postgres.url;
  // Tests that start another instance of the app (same database, model and secret) use this.
  process.env.E2E_APP_ENV = JSON.stringify(
    Object.fromEntries(Object.entries(env).filter(([k]) => k !== "PATH" && !k.startsWith("npm_"))),
  );
  process.env.E2E_MODEL_URL = model.url;
  Object.assign(process.env, mcp.env);

  if (process.env.E2E_SKIP_BUILD !== "1") buildApp(env);
  // The server's output, readable by tests: without SMTP_URL, account emails are logged there.
  process.env.E2E_SERVER_LOG = path.join(mkdtempSync(path.join(tmpdir(), "e2e-")), "server.log");
  const server = await startApp(Number(port), env, process.env.E2E_SERVER_LOG);

  return async () => {
    await server.stop();
    if (process.env.E2E_SHOW_SERVER_LOG) console.log(server.log());
    await model.close();
    await mcp.stop();
    await postgres.stop();
  };
}

/**
 * The test MCP servers (tests/support/mcp-server.ts) every spec may use: one without sign-in, one
 * insisting on a bearer token, one accepting only access tokens of a local OAuth provider. Tests
 * find them in E2E_MCP_* and read what each one was called with from E2E_MCP_CALLS_URL (tests
 * run in other processes than this one).
 */
async function startMcpServers() {
  const bearerToken = "e2e-mcp-bearer-token";
  // An OAuth authorization server with dynamic client registration, as MCP servers name them.
  const provider = await startMcpOAuthIssuer();
  const servers: Record<"none" | "bearer" | "oauth", TestMcpServer> = {
    none: await startMcpServer(),
    bearer: await startMcpServer({ auth: { bearer: bearerToken } }),
    oauth: await startMcpServer({ auth: { oauth: provider.issuer } }),
  };
  const control = createServer((req, res) => {
    const name = new URL(req.url ?? "/", "http://control").searchParams.get("server") as keyof typeof servers;
    const server = servers[name];
    if (!server) return res.writeHead(404).end();
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ calls: server.calls, requests: server.requests }));
  });
  await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
  return {
    env: {
      E2E_MCP_URL: servers.none.url,
      E2E_MCP_TOKEN_URL: servers.bearer.url,
      E2E_MCP_TOKEN: bearerToken,
      E2E_MCP_OAUTH_URL: servers.oauth.url,
      E2E_MCP_OAUTH_ISSUER: provider.issuer,
      E2E_MCP_CALLS_URL: `http://127.0.0.1:${(control.address() as AddressInfo).port}/calls`,
    },
    stop: async () => {
      control.closeAllConnections();
      await new Promise((resolve) => control.close(resolve));
      await Promise.all(Object.values(servers).map((server) => server.stop()));
      await provider.stop();
    },
  };
}
