import pino from "pino";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { cookieHeader } from "../support/cookies";
import { migratePostgres } from "../support/migrate";
import { startTestPostgres, type TestPostgres } from "../support/postgres";

// The app's own route handlers and database singleton, on a PostgreSQL server this test stops
// and starts. (TEST_DATABASE_URL points at a server the test cannot stop: then it is skipped.)
let postgres: TestPostgres;
let routes: { listThreads: (r: Request) => Promise<Response>; createThread: (r: Request) => Promise<Response> };
let cookie: string;

beforeAll(async () => {
  postgres = await startTestPostgres("outage");
  await migratePostgres(postgres.url);
  Object.assign(process.env, {
    DATABASE_URL: postgres.url,
    BETTER_AUTH_SECRET: "outage-secret-outage-secret-outage-secret",
    BETTER_AUTH_URL: "http://localhost:3000",
  });
  const threadsRoute = await import("@/app/api/threads/route");
  routes = { listThreads: threadsRoute.GET, createThread: threadsRoute.POST };
  const { auth } = await import("@/auth");
  const { headers } = await auth.api.signUpEmail({
    body: { name: "Outage", email: `outage-${Date.now()}@example.com`, password: "correct horse" },
    returnHeaders: true,
  });
  cookie = cookieHeader(headers, "session_token");
});

afterAll(async () => {
  const { getDatabase } = await import("@/lib/db/database");
  await getDatabase().close();
  await postgres.stop();
});

const list = () => routes.listThreads(new Request("http://localhost:3000/api/threads", { headers: { cookie } }));

it.skipIf(!!process.env.TEST_DATABASE_URL)(
  "answers 503 in the JSON shape while PostgreSQL is down and recovers without a restart",
  async () => {
    expect((await list()).status).toBe(200);

    // What the app's logger writes, as serialized lines.
    const { logger } = await import("@/lib/observability/logger");
    const stream = (logger as unknown as Record<symbol, { write: (line: string) => boolean }>)[pino.symbols.streamSym]!;
    const written: string[] = [];
    const logged = vi.spyOn(stream, "write").mockImplementation((line) => (written.push(String(line)), true));
    postgres.pauseServer!();
    const during = await Promise.all([list(), list(), list()]);
    for (const response of during) {
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: { code: "database_unavailable", message: expect.any(String) } });
    }
    // better-auth reports the failed session lookup; the session token it queried with is not in the log.
    logged.mockRestore();
    const lines = written.join("");
    expect(lines).toContain("better-auth");
    expect(lines).not.toContain(decodeURIComponent(cookie.split("=")[1]!).split(".")[0]);

    postgres.resumeServer!();
    let recovered = await list();
    for (let i = 0; i < 20 && recovered.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      recovered = await list();
    }
    expect(recovered.status).toBe(200);
    const created = await routes.createThread(
      new Request("http://localhost:3000/api/threads", {
        method: "POST",
        headers: { cookie, "content-type": "application/json" },
        body: "{}",
      }),
    );
    expect(created.status).toBe(201);
  },
);
