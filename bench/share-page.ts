/**
 * A share link's page (/s/:token?page=N) for a long snapshot: the server renders one page of it
 * (at most 100 messages; the model's Markdown was rendered to HTML when the snapshot was taken, and
 * snapshots seeded in SQL here have none, so they show plain text) on each request, after one
 * statement that checks the link, counts the view and reads that page. "Update link" takes the
 * store's own snapshot, Markdown rendered in its worker thread, and its page is measured last. bench/run.ts measures the first and the last page
 * of its seeded 500-message thread; run alone,
 *   npx tsx bench/share-page.ts      (uses the last `npm run build`)
 * it seeds just that thread on a PostgreSQL of its own and prints the same rows.
 */
import { randomBytes } from "node:crypto";
import { pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import pg from "pg";
import { runConcurrent, stats, type Stats } from "./measure";

/** Messages per page of a snapshot (lib/sharing/share-links.ts `snapshotPageSize`; the seeded ones are far under its bytes). */
const pageMessages = 100;

/**
 * A `signed-in` link whose snapshot is `threadId`'s messages, `perPage` to a page, written in SQL
 * as bench/seed.ts writes threads (the store's own snapshot is measured by "update link"): its
 * token. With `apart`, the link belongs to a new empty thread of the same author, so it can stand
 * beside the thread's own link (one link per thread).
 */
export async function seedShareLink(
  url: string,
  threadId: string,
  perPage = pageMessages,
  apart = false,
): Promise<{ token: string; messages: number; pages: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const token = randomBytes(32).toString("base64url");
    await client.query("begin");
    const owner = apart
      ? (
          await client.query(
            `insert into thread (user_id, title) select user_id, title from thread where id = $1 returning id`,
            [threadId],
          )
        ).rows[0].id
      : threadId;
    const { rows } = await client.query(
      `insert into share_link (token, thread_id, user_id, audience, title, messages, pages)
       select $1, o.id, o.user_id, 'signed-in', o.title, n, (n + $3 - 1) / $3
       from thread o, lateral (select count(*)::int as n from message m where m.thread_id = $2) c
       where o.id = $4 returning id, messages, pages`,
      [token, threadId, perPage, owner],
    );
    await client.query(
      `insert into share_link_message (link_id, page, seq, id, role, content, created_at)
       select $1, (seq - 1) / $3 + 1, seq, id, role, content, created_at
       from (select row_number() over (order by m.created_at, m.id) as seq, m.id, m.role,
                    jsonb_build_object('role', m.role, 'parts', m.content -> 'parts') as content, m.created_at
             from message m where m.thread_id = $2) s`,
      [rows[0].id, threadId, perPage],
    );
    await client.query("commit");
    return { token, messages: rows[0].messages as number, pages: rows[0].pages as number };
  } catch (error) {
    await client.query("rollback");
    throw error;
  } finally {
    await client.end();
  }
}

export type SharePageRun = {
  stats: Stats;
  perSecond: number;
  errors: number;
  bytes: number;
  gzipBytes: number;
  samples: number[];
  seconds: number;
};

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
  const samples = results.filter((r) => r.status === expected).map((r) => r.ms);
  return {
    stats: stats(samples),
    perSecond: total / seconds,
    errors: total - samples.length,
    bytes: body.byteLength,
    gzipBytes: gzipSync(body).byteLength,
    samples,
    seconds,
  };
}

/**
 * Several paths measured in alternating rounds (`rounds` × `perRound` requests each), so a machine
 * that gets busier or quieter during the run weighs on all of them alike.
 */
async function measureAlternating(
  baseURL: string,
  paths: string[],
  cookie: string,
  rounds: number,
  perRound: number,
  concurrency: number,
): Promise<SharePageRun[]> {
  const runs: SharePageRun[][] = paths.map(() => []);
  for (let round = 0; round < rounds; round++)
    for (const [i, path] of paths.entries())
      runs[i].push(await measurePage(baseURL, path, cookie, perRound, concurrency));
  return runs.map((parts) => {
    const samples = parts.flatMap((r) => r.samples);
    const seconds = parts.reduce((sum, r) => sum + r.seconds, 0);
    const requests = parts.length * perRound;
    return {
      ...parts[0],
      stats: stats(samples),
      perSecond: requests / seconds,
      errors: requests - samples.length,
      samples,
      seconds,
    };
  });
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
 * The rows bench/run.ts records, at 1 and at 20 clients: the first and the last page of a
 * `messages`-message snapshot, against the same snapshot seeded as a single page (what every
 * request rendered before snapshots had pages) and the 404 page of an unknown link (the same route
 * without a snapshot), with their sizes; then "Update link" (PUT /api/threads/:id/link: the store
 * copies the branch again under the same token and cuts its pages).
 */
export async function benchSharePage(options: {
  baseURL: string;
  databaseUrl: string;
  cookie: string;
  threadId: string;
  record: RecordRow;
}) {
  const { baseURL, databaseUrl, cookie, threadId, record } = options;
  const { token, messages, pages } = await seedShareLink(databaseUrl, threadId);
  const whole = await seedShareLink(databaseUrl, threadId, messages, true);
  const first = `/s/${token}`;
  const last = `${first}?page=${pages}`;
  const lastCount = messages - (pages - 1) * pageMessages;
  const onePage = `/s/${whole.token}`;
  for (const [path, expected] of [
    [first, Math.min(messages, pageMessages)],
    [last, lastCount],
    [onePage, messages],
  ] as const) {
    const response = await fetch(`${baseURL}${path}`, { headers: { cookie } });
    const shown = (await response.text()).match(/data-role="/g)?.length ?? 0;
    if (response.status !== 200 || shown !== expected)
      throw new Error(`share page ${path}: ${response.status}, ${shown} of ${expected} messages`);
  }
  for (const path of [first, last, onePage]) await measurePage(baseURL, path, cookie, 10, 1);

  const floor = await measurePage(baseURL, `/s/${randomBytes(32).toString("base64url")}`, cookie, 200, 1, 404);
  record({ name: "share page: an unknown link's 404 page, 1 client", ...floor, target: "report", pass: true });
  const size = (run: SharePageRun) => `${kB(run.bytes)} HTML, ${kB(run.gzipBytes)} gzip`;
  const names = [
    `share page 1 of ${pages} (${Math.min(messages, pageMessages)} of ${messages} messages)`,
    `share page ${pages} of ${pages} (${lastCount} messages)`,
    `share page, all ${messages} messages on one page (before pages)`,
  ];
  // About 300 ms of server time for the single page (bench/README.md): these counts keep the rows to a few minutes.
  const alone = await measureAlternating(baseURL, [first, last, onePage], cookie, 5, 30, 1);
  for (const [i, run] of alone.entries())
    record({
      name: `${names[i]}, 1 client`,
      ...run,
      baseline: floor.stats,
      value: size(run),
      target: "report",
      pass: true,
    });
  const crowd = await measureAlternating(baseURL, [first, last, onePage], cookie, 2, 60, 20);
  for (const [i, run] of crowd.entries())
    record({ name: `${names[i]}, 20 clients`, ...run, target: "report", pass: true });

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
  // The same page, now the store's own snapshot and pages: what a person's shared link costs.
  const stored = await measurePage(baseURL, first, cookie, 150, 1);
  record({
    name: `share page 1, ${messages} messages, 1 client, snapshot written by the store`,
    ...stored,
    baseline: alone[0].stats,
    value: size(stored),
    target: "report",
    pass: true,
  });
}

/** Alone: a PostgreSQL and an app of its own, the bench user and their 500-message thread, then the rows above. */
async function main() {
  const { printRow, startStandalone } = await import("./standalone");
  const { seed } = await import("./seed");
  const app = await startStandalone("bench-share");
  try {
    const size = { userThreads: 10, otherThreads: 10, otherUsers: 2, messagesPerThread: 2, longThreadMessages: 500 };
    const { longThreadId } = await seed(app.databaseUrl, app.userId, size);
    await benchSharePage({ ...app, threadId: longThreadId, record: printRow });
  } finally {
    await app.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
