import { expect, test, type APIRequestContext } from "@playwright/test";
import { cookieHeader } from "../support/cookies";
import { makePdf } from "../support/files";
import { startTestPostgres } from "../support/postgres";
import { migratePostgres } from "../support/migrate";
import { startOtlpReceiver } from "../support/otlp-receiver";
import { withDb } from "./db";
import { apiAdmin, apiUser, chatBody, password } from "./helpers";
import { startInstance } from "./instances";
import { share, threadWithReply } from "./share-links";

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });
const jsonLines = (log: string) =>
  log
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

/** Not ready (503 with `code`), while still alive: health is 200 whatever the database's state. */
async function expectNotReady(base: string, code: string) {
  const ready = await get(`${base}/api/ready`);
  expect(ready.status).toBe(503);
  expect((await ready.json()).error.code).toBe(code);
  expect((await get(`${base}/api/health`)).status).toBe(200);
}

test("health and readiness: up, not migrated, database stopped; neither needs a session", async () => {
  const main = `http://127.0.0.1:${process.env.E2E_PORT}`;
  const health = await get(`${main}/api/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });
  expect(health.headers.get("x-request-id")).toMatch(/^[\w-]{36}$/);
  expect((await get(`${main}/api/ready`)).status).toBe(200);

  // A database the app's migrations never ran on.
  const unmigrated = await startInstance("unmigrated", {}, { freshDatabase: true, migrate: false });
  try {
    await expectNotReady(unmigrated.url, "database_not_migrated");
  } finally {
    await unmigrated.stop();
  }

  // A database server that goes away, and comes back.
  const postgres = await startTestPostgres("ready");
  await migratePostgres(postgres.url);
  const app = await startInstance("outage", { DATABASE_URL: postgres.url });
  try {
    expect((await get(`${app.url}/api/ready`)).status).toBe(200);
    await postgres.stop();
    await expectNotReady(app.url, "database_unavailable");
  } finally {
    await app.stop();
  }
});

test("logs: one JSON line per request and per chat turn, with the request id; no cookie, password or message text anywhere in the log", async ({
  playwright,
}) => {
  const app = await startInstance("logs");
  try {
    const user = await apiUser(playwright, app.url, "Logged");
    const thread = await (await user.request.post("/api/threads", { data: {} })).json();
    const secretText = `my secret plan ${Date.now()}`;
    const chat = await user.request.post("/api/chat", { data: chatBody(thread.id, secretText) });
    expect(chat.status()).toBe(200);
    await chat.body();
    const given = `trace-${Date.now()}`;
    const listed = await user.request.get("/api/threads", { headers: { "x-request-id": given } });
    expect(listed.headers()["x-request-id"]).toBe(given);
    // An error body names its request: the proxy's id when it set one, otherwise the one made here.
    const refused = await user.request.get("/api/threads/not-a-thread", {
      headers: { "x-request-id": `${given}-404` },
    });
    expect(await refused.json()).toEqual({
      error: { code: "not_found", message: "Thread not found.", requestId: `${given}-404` },
    });
    const made = await user.request.post("/api/threads", { data: { title: 42 } });
    expect(made.status()).toBe(400);
    expect((await made.json()).error.requestId).toBe(made.headers()["x-request-id"]);
    const { cookies } = await user.request.storageState();
    await expect
      .poll(() => jsonLines(app.log()).some((l) => l.msg === "chat turn" && l.threadId === thread.id))
      .toBe(true);
    await expect.poll(() => jsonLines(app.log()).some((l) => l.requestId === given)).toBe(true);

    const lines = jsonLines(app.log());
    expect(lines.find((l) => l.requestId === given)).toMatchObject({
      level: 30,
      msg: "request",
      method: "GET",
      route: "/api/threads",
      status: 200,
      userId: user.userId,
      durationMs: expect.any(Number),
      time: expect.any(String),
    });
    expect(lines.find((l) => l.msg === "chat turn" && l.threadId === thread.id)).toMatchObject({
      userId: user.userId,
      model: "fake-model",
      outcome: "complete",
      timeToFirstTokenMs: expect.any(Number),
      totalMs: expect.any(Number),
      inputTokens: expect.any(Number),
      outputTokens: expect.any(Number),
      requestId: expect.any(String),
    });
    const chatLine = lines.find((l) => l.msg === "request" && l.route === "/api/chat");
    expect(chatLine).toMatchObject({ method: "POST", status: 200, userId: user.userId });
    const whole = app.log();
    expect(whole).not.toContain(secretText);
    expect(whole).not.toContain(password);
    for (const cookie of cookies) expect(whole).not.toContain(cookie.value);
    await user.request.dispose();
  } finally {
    await app.stop();
  }
});

test("metrics: Prometheus text behind METRICS_TOKEN, counters that move; 404 when no token is configured", async ({
  playwright,
}) => {
  const main = `http://127.0.0.1:${process.env.E2E_PORT}`;
  const scrape = async () => {
    const response = await get(`${main}/api/metrics`, { authorization: "Bearer e2e-metrics-token" });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    return response.text();
  };
  const value = (text: string, series: string) =>
    Number(new RegExp(`^${series.replace(/[{}"]/g, (c) => `\\${c}`)} (\\S+)$`, "m").exec(text)?.[1] ?? 0);
  expect((await get(`${main}/api/metrics`)).status).toBe(401);
  expect((await get(`${main}/api/metrics`, { authorization: "Bearer wrong" })).status).toBe(401);

  const before = await scrape();
  const user = await apiUser(playwright, main, "Counted");
  for (let i = 0; i < 3; i++) expect((await user.request.get("/api/threads")).status()).toBe(200);
  const thread = await (await user.request.post("/api/threads", { data: {} })).json();
  await (await user.request.post("/api/chat", { data: chatBody(thread.id, "count me") })).body();
  await expect
    .poll(async () => value(await scrape(), 'chat_turns_total{outcome="complete"}'))
    .toBeGreaterThan(value(before, 'chat_turns_total{outcome="complete"}'));
  const after = await scrape();
  const series = 'http_requests_total{method="GET",route="/api/threads",status="200"}';
  expect(value(after, series) - value(before, series)).toBeGreaterThanOrEqual(3);
  for (const name of [
    "http_request_duration_seconds_bucket",
    "chat_streams_in_progress",
    "chat_tokens_total",
    "db_pool_connections",
    "process_resident_memory_bytes",
    "nodejs_eventloop_lag_seconds",
  ]) {
    expect(after, name).toContain(name);
  }
  await user.request.dispose();

  const unset = await startInstance("no-metrics", { METRICS_TOKEN: "" });
  try {
    expect((await get(`${unset.url}/api/metrics`, { authorization: "Bearer " })).status).toBe(404);
  } finally {
    await unset.stop();
  }
});

test("two instances on one database: a session, its revocation and the chat rate limit hold on both", async ({
  playwright,
}) => {
  test.setTimeout(120_000);
  const main = `http://127.0.0.1:${process.env.E2E_PORT}`;
  const second = await startInstance("twin");
  try {
    const user = await apiUser(playwright, main, "Twin");
    const cookie = cookieHeader(await user.request.storageState());
    const on =
      (base: string): APIRequestContext["get"] =>
      (path, options) =>
        user.request.get(`${base}${path}`, { ...options, headers: { cookie } });
    expect((await on(second.url)("/api/threads")).status()).toBe(200);

    // The chat limit (30 a minute on these servers) counts messages sent to either. The window is
    // the calendar minute: start early in one, so a slow machine's 32 requests fit in it.
    const thread = await (await user.request.post("/api/threads", { data: {} })).json();
    const secondsLeft = 60 - new Date().getUTCSeconds();
    if (secondsLeft < 45) await new Promise((r) => setTimeout(r, secondsLeft * 1000 + 200));
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) {
      const base = i % 2 === 0 ? main : second.url;
      const response = await user.request.post(`${base}/api/chat`, {
        data: chatBody(thread.id, `m${i} [tokens=1]`),
        headers: { cookie, origin: base },
      });
      statuses.push(response.status());
      await response.body();
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(30);
    expect(statuses.slice(30)).toEqual([429, 429]);

    // Each instance keeps sessions it has read in memory (lib/auth/session-cache.ts). Signed out on the
    // first: it refuses the cookie on the very next request, and the second within 100 ms.
    expect((await on(second.url)("/api/threads")).status()).toBe(200);
    expect(
      (await user.request.post(`${main}/api/auth/sign-out`, { headers: { cookie, origin: main }, data: {} })).status(),
    ).toBe(200);
    expect((await on(main)("/api/threads")).status()).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await on(second.url)("/api/threads")).status()).toBe(401);

    // A ban by an admin on the second instance: the first refuses within 100 ms, though it served
    // this user's session from memory a moment before.
    const banned = await apiUser(playwright, main, "Twin banned");
    const bannedCookie = cookieHeader(await banned.request.storageState());
    const asBanned = (base: string) => banned.request.get(`${base}/api/threads`, { headers: { cookie: bannedCookie } });
    for (let i = 0; i < 3; i++) expect((await asBanned(main)).status()).toBe(200);
    const admin = await apiAdmin(playwright, second.url);
    expect(
      (
        await admin.request.post(`${second.url}/api/admin/users/${banned.userId}/ban`, { data: { reason: "twins" } })
      ).status(),
    ).toBe(200);
    expect((await asBanned(second.url)).status()).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await asBanned(main)).status()).toBe(401);
    await banned.request.dispose();
    await admin.request.dispose();
    await user.request.dispose();
  } finally {
    await second.stop();
  }
});

test("two instances on one database: a share link deleted on one is the 404 page on the other at its very next request", async ({
  playwright,
}) => {
  const main = `http://127.0.0.1:${process.env.E2E_PORT}`;
  const second = await startInstance("share-twin");
  try {
    const alice = await apiUser(playwright, main, "Twin author");
    const bob = await apiUser(playwright, main, "Twin reader");
    const aliceCookie = cookieHeader(await alice.request.storageState());
    const bobCookie = cookieHeader(await bob.request.storageState());
    const tag = `${process.pid}-${Date.now()}`;
    const thread = await threadWithReply(alice, `Twin link ${tag}`, `twin words ${tag}`, [
      { name: "twin.txt", type: "text/plain", bytes: Buffer.from(`twin file ${tag}`) },
    ]);
    const link = await share(alice, thread.id, undefined, 201);
    const fileId = await withDb(
      async (c) => (await c.query(`select id from share_file where link_id = $1`, [link.id])).rows[0].id as string,
    );
    const open = (base: string, path: string) => bob.request.get(`${base}${path}`, { headers: { cookie: bobCookie } });
    const deleteOn = (base: string) =>
      alice.request.delete(`${base}/api/threads/${thread.id}/link`, { headers: { cookie: aliceCookie, origin: base } });

    // Both serve it, again and again: each has just read it when the other deletes it.
    for (let i = 0; i < 3; i++) {
      for (const base of [main, second.url]) {
        const page = await open(base, link.path);
        expect(page.status(), base).toBe(200);
        expect(await page.text()).toContain(`twin words ${tag}`);
        expect(await (await open(base, `${link.path}/files/${fileId}`)).text()).toBe(`twin file ${tag}`);
      }
    }
    expect((await deleteOn(second.url)).status()).toBe(204);
    const gone = await open(main, link.path);
    expect(gone.status()).toBe(404);
    expect(await gone.text()).not.toContain(`twin words ${tag}`);
    expect((await open(main, `${link.path}/files/${fileId}`)).status()).toBe(404);
    expect((await open(second.url, link.path)).status()).toBe(404);

    // And the other way round, for the new link sharing again makes.
    const again = await share(alice, thread.id, undefined, 201);
    for (let i = 0; i < 3; i++) expect((await open(second.url, again.path)).status()).toBe(200);
    expect((await deleteOn(main)).status()).toBe(204);
    expect((await open(second.url, again.path)).status()).toBe(404);
    for (const client of [alice, bob]) await client.request.dispose();
  } finally {
    await second.stop();
  }
});

test("SIGTERM during 20 streaming replies: ready and chat turn 503, every message and reply is stored, the process exits 0", async ({
  playwright,
}) => {
  test.setTimeout(120_000);
  const app = await startInstance("shutdown", { SHUTDOWN_GRACE_MS: "1500" });
  const users = await Promise.all(Array.from({ length: 20 }, (_, i) => apiUser(playwright, app.url, `Streamer ${i}`)));
  const sessions = await Promise.all(users.map(async (u) => cookieHeader(await u.request.storageState())));
  const threads = await Promise.all(
    users.map(async (u) => (await (await u.request.post("/api/threads", { data: {} })).json()).id as string),
  );
  // Half the replies end within the grace period; the other half are still streaming when it is over.
  const send = (i: number, text: string) =>
    fetch(`${app.url}/api/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: app.url, cookie: sessions[i]! },
      body: JSON.stringify(chatBody(threads[i]!, text)),
    });
  const streams = await Promise.all(
    users.map((_, i) => send(i, `story ${i} [tokens=${i % 2 === 0 ? 30 : 400}] [delay=20]`)),
  );
  expect(streams.map((r) => r.status)).toEqual(streams.map(() => 200));
  const readers = streams.map((r) => r.body!.getReader());
  await Promise.all(readers.map((r) => r.read()));

  process.kill(app.pid, "SIGTERM");
  await expect.poll(async () => (await get(`${app.url}/api/ready`)).status).toBe(503);
  const ready = await get(`${app.url}/api/ready`);
  expect((await ready.json()).error.code).toBe("shutting_down");
  const late = await send(0, "one more");
  expect(late.status).toBe(503);
  expect((await late.json()).error.code).toBe("shutting_down");

  // Every stream ends (finished, or cut when the grace period is over) and the process exits 0.
  await Promise.all(
    readers.map(async (r) => {
      while (!(await r.read().catch(() => ({ done: true }))).done);
    }),
  );
  expect(await app.exited).toBe(0);

  const stored = await withDb(
    async (c) =>
      (
        await c.query(
          `select m.thread_id, m.role, m.status from message m where m.thread_id = any($1) order by m.thread_id, m.role desc`,
          [threads],
        )
      ).rows as { thread_id: string; role: string; status: string }[],
  );
  for (const thread of threads) {
    const rows = stored.filter((r) => r.thread_id === thread);
    expect(
      rows.map((r) => r.role),
      thread,
    ).toEqual(["user", "assistant"]);
    expect(["complete", "incomplete"], thread).toContain(rows[1]!.status);
  }
  const statuses = stored.filter((r) => r.role === "assistant").map((r) => r.status);
  console.log(
    `shutdown: ${statuses.filter((s) => s === "complete").length} replies finished in the grace period, ${statuses.filter((s) => s === "incomplete").length} stopped and stored as incomplete`,
  );
  expect(statuses.filter((s) => s === "incomplete").length).toBeGreaterThan(0);
  // Nothing is left looking as if it were still being written.
  expect(
    await withDb(
      async (c) =>
        (await c.query(`select count(*)::int as n from reply_stream where thread_id = any($1) and not done`, [threads]))
          .rows[0].n,
    ),
  ).toBe(0);
  for (const u of users) await u.request.dispose();
});

test("traces: with OTEL_EXPORTER_OTLP_ENDPOINT a chat turn is one trace holding the route, database and model spans", async ({
  playwright,
}) => {
  const receiver = await startOtlpReceiver();
  const app = await startInstance("traces", {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_SERVICE_NAME: "threadkeeper-e2e",
    OTEL_BSP_SCHEDULE_DELAY: "100",
    OTEL_METRICS_EXPORTER: "none",
    OTEL_LOGS_EXPORTER: "none",
  });
  try {
    const user = await apiUser(playwright, app.url, "Traced");
    const thread = await (await user.request.post("/api/threads", { data: {} })).json();
    await (await user.request.post("/api/chat", { data: chatBody(thread.id, "trace me") })).body();
    // A token in a query string (an invitation link) must not reach the collector.
    await user.request.get("/sign-up?invite=secret-invite-token-123");
    // Nor one in a path: a share link's token, a workspace invitation's id.
    const shareToken = "secret-share-token-".padEnd(43, "x");
    await user.request.get(`/s/${shareToken}`);
    await user.request.get("/invite/secret-invitation-id-456");
    const modelSpan = () =>
      receiver.spans.find((s) => s.name === "chat fake-model" && s.attributes["thread.id"] === thread.id);
    await expect.poll(() => modelSpan()?.traceId, { timeout: 15_000 }).toBeTruthy();
    const inTrace = () => receiver.spans.filter((s) => s.traceId === modelSpan()!.traceId);
    await expect
      .poll(() =>
        inTrace().some(
          (s) => s.attributes["db.system"] === "postgresql" || s.attributes["db.system.name"] === "postgresql",
        ),
      )
      .toBe(true);
    const names = inTrace().map((s) => s.name);
    // Next.js's span for the route handler is the root of the request's trace.
    expect(names.some((n) => n.includes("/api/chat"))).toBe(true);
    expect(modelSpan()!.attributes).toMatchObject({ "gen_ai.request.model": "fake-model", "chat.outcome": "complete" });
    await expect.poll(() => receiver.spans.some((s) => s.attributes["http.target"] === "/sign-up")).toBe(true);
    await expect.poll(() => receiver.spans.some((s) => s.attributes["http.target"] === "/s/:token")).toBe(true);
    await expect.poll(() => receiver.spans.some((s) => s.attributes["http.target"] === "/invite/:id")).toBe(true);
    for (const secret of ["secret-invite-token-123", shareToken, "secret-invitation-id-456"])
      expect(JSON.stringify(receiver.spans)).not.toContain(secret);
    console.log(
      `traces: one chat turn, ${inTrace().length} spans in its trace: ${[...new Set(names)].slice(0, 12).join(", ")}`,
    );
    await user.request.dispose();
  } finally {
    await app.stop();
    await receiver.close();
  }
});

test("the standalone build, copied elsewhere, starts with `node server.js` and serves pages, static files, sign-up, chat, uploads and share links", async ({
  playwright,
}) => {
  test.setTimeout(120_000);
  // What an operator copies to a server: only .next/standalone (npm run build finished it).
  const { cpSync, mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { spawn } = await import("node:child_process");
  const { freePort } = await import("../support/postgres");
  const dir = mkdtempSync(`${tmpdir()}/threadkeeper-standalone-`);
  cpSync(".next/standalone", dir, { recursive: true });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const base = JSON.parse(process.env.E2E_APP_ENV!) as Record<string, string>;
  const server = spawn(process.execPath, ["server.js"], {
    cwd: dir,
    env: {
      ...base,
      PATH: process.env.PATH!,
      NODE_ENV: "production",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      BETTER_AUTH_URL: url,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  server.stdout.on("data", (d) => (output += d));
  server.stderr.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => server.once("exit", resolve));
  try {
    await expect
      .poll(async () => (await fetch(`${url}/api/health`).catch(() => null))?.status, {
        timeout: 30_000,
        message: output,
      })
      .toBe(200);
    expect((await get(`${url}/api/ready`)).status).toBe(200);
    const page = await (await get(`${url}/sign-in`)).text();
    const script = /\/_next\/static\/[^"]+\.js/.exec(page)?.[0];
    expect(script).toBeTruthy();
    expect((await get(`${url}${script}`)).status).toBe(200);

    const user = await apiUser(playwright, url, "Standalone");
    const thread = await (await user.request.post("/api/threads", { data: {} })).json();
    const reply = await user.request.post("/api/chat", { data: chatBody(thread.id, "hello from a copied build") });
    expect(reply.status()).toBe(200);
    expect(await reply.text()).toContain('"type":"finish"');
    // PDF text extraction (unpdf, loaded on first use) is in the copied build too.
    const pdf = await user.request.post("/api/attachments", {
      multipart: { file: { name: "doc.pdf", mimeType: "application/pdf", buffer: makePdf("from a copied build") } },
    });
    expect(pdf.status(), await pdf.text()).toBe(201);
    expect((await pdf.json()).type).toBe("application/pdf");
    // The share snapshot's Markdown worker and its ~100 packages are in the copied build too: the
    // fake model echoes the question, so its reply's Markdown is rendered when the link is made.
    const shared = await threadWithReply(user, "Shared from a copied build", "a **bold claim** to share");
    const link = await share(user, shared.id, undefined, 201);
    const sharePage = await user.request.get(link.path);
    expect(sharePage.status()).toBe(200);
    expect(await sharePage.text()).toContain("<strong>bold claim</strong>");
    await user.request.dispose();
  } finally {
    server.kill("SIGTERM");
    expect(await exited).toBe(0);
  }

  // Without BETTER_AUTH_SECRET it refuses to start, saying why, as `next start` does.
  const refused = spawn(process.execPath, ["server.js"], {
    cwd: dir,
    env: {
      ...base,
      BETTER_AUTH_SECRET: "",
      PATH: process.env.PATH!,
      NODE_ENV: "production",
      PORT: String(await freePort()),
      HOSTNAME: "127.0.0.1",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let said = "";
  refused.stderr.on("data", (d) => (said += d));
  expect(await new Promise<number | null>((resolve) => refused.once("exit", resolve))).toBe(1);
  expect(said).toContain("BETTER_AUTH_SECRET");
});
