/**
 * A share link's page (/s/:token) for a long snapshot: the server renders every message (the
 * model's as Markdown) on each request, after one statement that checks the link and counts the
 * view. bench/run.ts measures it on its seeded 500-message thread; run alone,
 *   npx tsx bench/share-page.ts      (uses the last `npm run build`)
 * it seeds just that thread on a PostgreSQL of its own and prints the same rows.
 */
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { runConcurrent, stats, type Stats } from "./measure";

/**
 * A `signed-in` link to `threadId` whose snapshot is the thread's messages, written in SQL as
 * bench/seed.ts writes threads (the store's own snapshot is measured by "update link"): its token.
 */
export async function seedShareLink(url: string, threadId: string): Promise<{ token: string; messages: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const token = randomBytes(32).toString("base64url");
    await client.query("begin");
    const { rows } = await client.query(
      `insert into share_link (token, thread_id, user_id, audience, title, messages)
       select $1, t.id, t.user_id, 'signed-in', t.title, (select count(*)::int from message m where m.thread_id = t.id)
       from thread t where t.id = $2 returning id, messages`,
      [token, threadId],
    );
    await client.query(
      `insert into share_link_message (link_id, seq, id, role, content, created_at)
       select $1, row_number() over (order by m.created_at, m.id), m.id, m.role,
              jsonb_build_object('role', m.role, 'parts', m.content -> 'parts'), m.created_at
       from message m where m.thread_id = $2`,
      [rows[0].id, threadId],
    );
    await client.query("commit");
    return { token, messages: rows[0].messages as number };
  } catch (error) {
    await client.query("rollback");
    throw error;
  } finally {
    await client.end();
  }
}

export type SharePageRun = { stats: Stats; perSecond: number; errors: number; bytes: number; gzipBytes: number };

/** `total` GETs of `path`, `concurrency` at a time, with `cookie`: latency of the `expected` answers, and the page's size. */
export async function measurePage(
  baseURL: string,
  path: string,
  cookie: string,
  total: number,
  concurrency: number,
  expected = 200,
): Promise<SharePageRun> {
  let body = new Uint8Array();
  const started = performance.now();
  const results = await runConcurrent(total, concurrency, async () => {
    const t = performance.now();
    const response = await fetch(`${baseURL}${path}`, { headers: { cookie } });
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (response.status === expected) body = bytes;
    return { ms: performance.now() - t, status: response.status };
  });
  const seconds = (performance.now() - started) / 1000;
  const ok = results.filter((r) => r.status === expected);
  return {
    stats: stats(ok.map((r) => r.ms)),
    perSecond: total / seconds,
    errors: total - ok.length,
    bytes: body.byteLength,
    gzipBytes: gzipSync(body).byteLength,
  };
}

type RecordRow = (row: {
  name: string;
  stats?: Stats;
  baseline?: Stats;
  value?: string;
  perSecond?: number;
  errors?: number;
  target: string;
  pass: boolean;
}) => void;

const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;

/**
 * The rows bench/run.ts records: the page of a `messages`-message snapshot at 1 and 20 clients
 * (against the 404 page of an unknown link, the same route without a snapshot), its size, and
 * "Update link" (PUT /api/threads/:id/link: the store copies the branch again under the same token).
 */
export async function benchSharePage(options: {
  baseURL: string;
  databaseUrl: string;
  cookie: string;
  threadId: string;
  record: RecordRow;
}) {
  const { baseURL, databaseUrl, cookie, threadId, record } = options;
  const { token, messages } = await seedShareLink(databaseUrl, threadId);
  const page = `/s/${token}`;
  const first = await fetch(`${baseURL}${page}`, { headers: { cookie } });
  const html = await first.text();
  if (first.status !== 200 || (html.match(/data-role="/g)?.length ?? 0) !== messages)
    throw new Error(`share page: ${first.status}, ${html.match(/data-role="/g)?.length ?? 0} of ${messages} messages`);
  await measurePage(baseURL, page, cookie, 20, 1);

  const floor = await measurePage(baseURL, `/s/${randomBytes(32).toString("base64url")}`, cookie, 200, 1, 404);
  record({ name: "share page: an unknown link's 404 page, 1 client", ...floor, target: "report", pass: true });
  const alone = await measurePage(baseURL, page, cookie, 200, 1);
  record({
    name: `share page, ${messages} messages, 1 client`,
    ...alone,
    baseline: floor.stats,
    value: `${kB(alone.bytes)} HTML, ${kB(alone.gzipBytes)} gzip`,
    target: "report",
    pass: true,
  });
  // About 300 ms of server time each (bench/README.md): 200 requests keep this row under a minute.
  const crowd = await measurePage(baseURL, page, cookie, 200, 20);
  record({ name: `share page, ${messages} messages, 20 clients`, ...crowd, target: "report", pass: true });

  const updates: number[] = [];
  let updateErrors = 0;
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const response = await fetch(`${baseURL}/api/threads/${threadId}/link`, {
      method: "PUT",
      headers: { cookie, origin: baseURL },
    });
    await response.arrayBuffer();
    if (response.status === 200) updates.push(performance.now() - t);
    else updateErrors++;
  }
  record({
    name: `update link (snapshot of ${messages} messages), 1 client`,
    stats: stats(updates),
    errors: updateErrors,
    target: "report",
    pass: true,
  });
  // The same page, now the store's own snapshot: what a person's shared link costs.
  const stored = await measurePage(baseURL, page, cookie, 200, 1);
  record({
    name: `share page, ${messages} messages, 1 client, snapshot written by the store`,
    ...stored,
    baseline: alone.stats,
    value: `${kB(stored.bytes)} HTML, ${kB(stored.gzipBytes)} gzip`,
    target: "report",
    pass: true,
  });
}

/** Alone: a PostgreSQL and an app of its own, the bench user and their 500-message thread, then the rows above. */
async function main() {
  const { startApp } = await import("../tests/support/app-server");
  const { migratePostgres } = await import("../tests/support/migrate");
  const { freePort, startTestPostgres } = await import("../tests/support/postgres");
  const { seed } = await import("./seed");
  const postgres = await startTestPostgres("bench-share");
  await migratePostgres(postgres.url);
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const server = await startApp(
    port,
    {
      ...process.env,
      DATABASE_URL: postgres.url,
      BETTER_AUTH_SECRET: "bench-secret-bench-secret-bench-secret-01",
      BETTER_AUTH_URL: baseURL,
      OPENAI_API_KEY: "bench",
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
      OPENAI_MODEL: "fake-model",
      AUTH_RATE_LIMIT_MAX: "1000000",
      CHAT_RATE_LIMIT_PER_MINUTE: "1000000",
      CHAT_RATE_LIMIT_PER_DAY: "1000000",
      SHARE_VIEW_RATE_LIMIT_PER_MINUTE: "1000000",
      NEXT_TELEMETRY_DISABLED: "1",
    },
    "/dev/null",
  );
  try {
    const signUp = await fetch(`${baseURL}/api/auth/sign-up/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: baseURL },
      body: JSON.stringify({ name: "Bench", email: "bench@bench.invalid", password: "bench password" }),
    });
    const cookie = (signUp.headers.get("set-cookie") ?? "").split(";")[0];
    const { user } = (await signUp.json()) as { user: { id: string } };
    const size = { userThreads: 10, otherThreads: 10, otherUsers: 2, messagesPerThread: 2, longThreadMessages: 500 };
    const { longThreadId } = await seed(postgres.url, user.id, size);
    await benchSharePage({
      baseURL,
      databaseUrl: postgres.url,
      cookie,
      threadId: longThreadId,
      record: (row) => {
        const s = row.stats;
        const parts = [
          s && `p50 ${s.p50.toFixed(1)} ms  p95 ${s.p95.toFixed(1)}  p99 ${s.p99.toFixed(1)}`,
          row.perSecond !== undefined && `${row.perSecond.toFixed(0)} req/s`,
          row.errors !== undefined && `${row.errors} errors`,
          row.value,
        ].filter(Boolean);
        console.log(`${row.name}: ${parts.join("  ")}`);
      },
    });
  } finally {
    await server.stop();
    await postgres.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
