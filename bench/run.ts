/**
 * npm run bench: measures the app as users run it (production build, real PostgreSQL, the fake
 * OpenAI-compatible model) and writes bench/results/latest.json. See bench/README.md.
 *   BENCH_SCALE=10       ten times the data (1,000,000 threads, 10,000,000 messages)
 *   BENCH_SKIP_BUILD=1   reuse the last `next build`
 *   BENCH_PROJECT_INDEX_MB=8   MB of Markdown the projects bench indexes
 *   BENCH_ONLY=floor,chat      only these sections (names in `sections` below); results go to
 *                              bench/results/only-….json, and the list's data is seeded only for `list`
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { chromium } from "@playwright/test";
import { createAuth } from "@/auth";
import { createSessionCache } from "@/lib/auth/session-cache";
import { connectPostgres } from "@/db/connect";
import { buildApp, startApp } from "../tests/support/app-server";
import { chromiumLaunchOptions } from "../tests/support/chromium";
import { startFakeOpenAI } from "../tests/support/fake-openai";
import { migratePostgres } from "../tests/support/migrate";
import { freePort, startTestPostgres } from "../tests/support/postgres";
import {
  firstVisitScriptBytes,
  runConcurrent,
  stats,
  timeRequest,
  timeToFirstByte,
  treeRssBytes,
  type Stats,
} from "./measure";
import { benchImport } from "./import";
import { benchFloor } from "./floor";
import { benchLongThread } from "./long-thread";
import { benchProjects } from "./projects";
import { seed, sizeForScale } from "./seed";
import { benchSharePage } from "./share-page";
import { signUpBenchUser } from "./standalone";

const scale = Number(process.env.BENCH_SCALE ?? 1);
const resultsDir = path.join(process.cwd(), "bench", "results");

const sections = [
  "floor",
  "list",
  "open",
  "share",
  "chat",
  "streams",
  "instances",
  "logs",
  "attachments",
  "projects",
  "import",
  "session",
  "pages",
] as const;
type Section = (typeof sections)[number];
const only = new Set(
  (process.env.BENCH_ONLY ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean),
);
for (const name of only)
  if (!(sections as readonly string[]).includes(name))
    throw new Error(`BENCH_ONLY: no section "${name}" (there are: ${sections.join(", ")})`);
const runs = (section: Section) => only.size === 0 || only.has(section);

/** JavaScript a first visit to / may download (gzip): more fails the bench (exit code 1). */
const firstLoadBudget = 300 * 1024;

type Row = {
  name: string;
  stats?: Stats;
  baseline?: Stats;
  value?: string;
  perSecond?: number;
  errors?: number;
  target: string;
  pass: boolean;
};
const rows: Row[] = [];
const record = (row: Row) => {
  // A row whose requests failed measures the failures: it is never on target.
  const checked = { ...row, pass: row.pass && !row.errors };
  rows.push(checked);
  const s = row.stats;
  const parts = [
    s &&
      `p50 ${s.p50.toFixed(s.p50 < 1 ? 3 : 1)} ms  p95 ${s.p95.toFixed(s.p95 < 1 ? 3 : 1)}  p99 ${s.p99.toFixed(s.p99 < 1 ? 3 : 1)}`,
    row.perSecond !== undefined && `${row.perSecond.toFixed(0)} req/s`,
    row.errors !== undefined && `${row.errors} errors`,
    row.value,
  ].filter(Boolean);
  console.log(`${checked.pass ? "✓" : "✗"} ${row.name}: ${parts.join("  ")}  (target ${row.target})`);
};

/**
 * `total` requests, `concurrency` at a time: latency of the ones that answered `expected`,
 * requests per second over the whole run, and every other answer counted as an error.
 */
async function load(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<{ ms: number; status: number }>,
  expected = 200,
) {
  const started = performance.now();
  const results = await runConcurrent(total, concurrency, task);
  const seconds = (performance.now() - started) / 1000;
  const ok = results.filter((r) => r.status === expected);
  return { stats: stats(ok.map((r) => r.ms)), perSecond: total / seconds, errors: total - ok.length };
}

const sub = (a: Stats, b: Stats): Stats => ({
  n: a.n,
  p50: a.p50 - b.p50,
  p95: a.p95 - b.p95,
  p99: a.p99 - b.p99,
  mean: a.mean - b.mean,
  max: a.max - b.max,
});

async function main() {
  console.log(`bench: scale ${scale}`);
  const postgres = await startTestPostgres("bench");
  await migratePostgres(postgres.url);
  const model = await startFakeOpenAI({ tokenDelayMs: 0 });
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: postgres.url,
    BETTER_AUTH_SECRET: "bench-secret-bench-secret-bench-secret-01",
    BETTER_AUTH_URL: baseURL,
    OPENAI_API_KEY: "bench",
    OPENAI_BASE_URL: model.url,
    OPENAI_MODEL: "fake-model",
    AUTH_RATE_LIMIT_MAX: "1000000",
    CHAT_RATE_LIMIT_PER_MINUTE: "1000000",
    CHAT_RATE_LIMIT_PER_DAY: "1000000",
    SHARE_VIEW_RATE_LIMIT_PER_MINUTE: "1000000",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  if (process.env.BENCH_SKIP_BUILD !== "1" || !existsSync(".next/BUILD_ID")) buildApp(env);
  let server = await startApp(port, env);
  const pool = new pg.Pool({ connectionString: postgres.url, max: 4 });

  try {
    const { cookie, userId } = await signUpBenchUser(baseURL, "Bench", "bench@bench.invalid");
    // The list's rows need the whole data set; the other sections need only the long thread.
    const size = runs("list")
      ? sizeForScale(scale)
      : { userThreads: 10, otherThreads: 10, otherUsers: 2, messagesPerThread: 2, longThreadMessages: 500 };
    const seeded = await seed(postgres.url, userId, size);
    const counts = (
      await pool.query(
        `select (select count(*) from thread)::int as threads, (select count(*) from message)::int as messages`,
      )
    ).rows[0];
    console.log(`seeded ${counts.threads} threads, ${counts.messages} messages in ${seeded.seconds.toFixed(1)} s`);
    const headers = { cookie, origin: baseURL };
    const get = (p: string) => timeRequest(`${baseURL}${p}`, { headers });

    // Warm up the server's code paths and connection pool.
    await runConcurrent(200, 20, () => get("/api/threads?limit=50"));

    // 0. The floor for the API routes: an unknown /api path (a JSON 404 that touches nothing) with
    // every request hook, against the same build with the hooks off (bare Next.js), at 20 clients
    // (bench/floor.ts).
    const floor = runs("floor") || runs("list") ? await benchFloor(env, record) : undefined;

    // 2. Thread list, first page and a deep page (after 50 pages of 50).
    let after: string | undefined;
    if (runs("list") && floor) {
      for (let page = 0; page < 50; page++) {
        const res = await fetch(`${baseURL}/api/threads?limit=50${after ? `&after=${after}` : ""}`, { headers });
        after = ((await res.json()) as { nextCursor: string }).nextCursor;
      }
      const alone = await load(500, 1, () => get("/api/threads?limit=50"));
      record({ name: "thread list, first page, 1 client", ...alone, target: "report", pass: true });
      const nearFloor = (run: Awaited<ReturnType<typeof load>>) =>
        run.perSecond >= 0.6 * floor.perSecond && run.stats.p99 <= 2 * floor.stats.p99;
      const first = await load(2000, 20, () => get("/api/threads?limit=50"));
      record({
        name: "thread list, first page, 20 clients",
        ...first,
        baseline: floor.stats,
        target: "≥ 60 % of the floor's req/s, p99 ≤ 2× the floor's",
        pass: nearFloor(first),
      });
      const deep = await load(2000, 20, () => get(`/api/threads?limit=50&after=${after}`));
      record({
        name: "thread list, page 51, 20 clients",
        ...deep,
        baseline: first.stats,
        target: "≥ 60 % of the floor's req/s, p99 ≤ 2× the floor's",
        pass: nearFloor(deep),
      });
      const sessionOnly = await load(2000, 20, () => get("/api/auth/get-session"));
      record({
        name: "GET /api/auth/get-session, 20 clients",
        ...sessionOnly,
        baseline: floor.stats,
        target: "≥ the thread list's req/s, only 200s",
        pass: sessionOnly.perSecond >= first.perSecond,
      });
    }

    // 3. Thread open: a 500-message thread, alone and with 20 clients.
    if (runs("open")) {
      const openAlone = await load(200, 1, () => get(`/api/threads/${seeded.longThreadId}/messages`));
      record({ name: "thread open, 500 messages, 1 client", ...openAlone, target: "report", pass: true });
      const open = await load(1000, 20, () => get(`/api/threads/${seeded.longThreadId}/messages`));
      record({
        name: "thread open, 500 messages, 20 clients",
        ...open,
        baseline: floor?.stats,
        target: "p99 ≤ 20 ms",
        pass: open.stats.p99 <= 20,
      });
    }

    // 10. A share link's page for the same 500 messages (rendered on the server), and updating its snapshot.
    if (runs("share"))
      await benchSharePage({ baseURL, databaseUrl: postgres.url, cookie, threadId: seeded.longThreadId, record });

    // Threads for the chat rows.
    const chatThreads = await Promise.all(
      Array.from(
        { length: 20 },
        async () =>
          (await (
            await fetch(`${baseURL}/api/threads`, {
              method: "POST",
              headers: { ...headers, "content-type": "application/json" },
              body: "{}",
            })
          ).json()) as { id: string },
      ),
    );
    // 1. Chat overhead: time to first byte through the app minus the model's own, against the floor
    // (the empty route, which every request pays for, measured right after on the same server).
    let seq = 0;
    const modelDirect = () =>
      timeToFirstByte(`${model.url}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "fake-model", stream: true, messages: [{ role: "user", content: "hi" }] }),
      });
    const viaApp = (client: number) =>
      timeToFirstByte(`${baseURL}/api/chat`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: JSON.stringify({
          id: chatThreads[client % 20].id,
          trigger: "submit-message",
          messages: [{ id: `b${seq++}`, role: "user", parts: [{ type: "text", text: "hi" }] }],
        }),
      });
    if (runs("chat")) {
      for (const concurrency of [1, 20]) {
        const total = concurrency === 1 ? 200 : 1000;
        const model1 = await load(total, concurrency, () => modelDirect());
        const app1 = await load(total, concurrency, (i) => viaApp(i));
        const floorNow = await load(concurrency === 1 ? 500 : 2000, concurrency, () => get("/api/bench-floor"), 404);
        const overhead = sub(app1.stats, model1.stats);
        record({
          name: `chat first byte, ${concurrency} user(s)`,
          ...app1,
          baseline: model1.stats,
          target: "(see overhead)",
          pass: true,
        });
        record({
          name: `floor for the chat rows: the empty API route, ${concurrency} client(s)`,
          ...floorNow,
          target: "report",
          pass: true,
        });
        // What a turn costs beyond what any request costs here: session, rate limit, the two
        // statements before the model call, stream set-up. The floor is Next.js's share of it.
        const beyond = overhead.p50 - floorNow.stats.p50;
        record({
          name: `chat overhead over the model, ${concurrency} user(s)`,
          stats: overhead,
          baseline: floorNow.stats,
          errors: app1.errors + model1.errors + floorNow.errors,
          value: `p50 ${(overhead.p50 / floorNow.stats.p50).toFixed(1)}× the floor's ${floorNow.stats.p50.toFixed(1)} ms (+${beyond.toFixed(1)} ms)`,
          ...(concurrency === 1
            ? { target: "p50 ≤ the floor's p50 + 5 ms", pass: beyond <= 5 }
            : {
                target: "report (the 20 users share the machine's cores with the model and PostgreSQL)",
                pass: true,
              }),
        });
      }
    }

    // 4. Throughput: 200 concurrent streaming chats of 200 tokens, 20 ms apart, on a fresh server
    // (V8 keeps the heap the earlier phases grew, which would count against this one). Memory is
    // what the streams add to the idle server, per stream.
    if (runs("streams")) {
      const concurrentStreams = 200;
      await server.stop();
      server = await startApp(port, env);
      await runConcurrent(20, 20, () => get("/api/threads?limit=50"));
      const before = Number(
        (await pool.query(`select count(*)::int as n from message where role = 'assistant' and status = 'complete'`))
          .rows[0].n,
      );
      let peakRss = await treeRssBytes(server.pid);
      const idleRss = peakRss;
      const sampler = setInterval(async () => (peakRss = Math.max(peakRss, await treeRssBytes(server.pid))), 100);
      const started = performance.now();
      const streams = await runConcurrent(concurrentStreams, concurrentStreams, (i) =>
        timeToFirstByte(`${baseURL}/api/chat`, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify({
            id: chatThreads[i % 20].id,
            trigger: "submit-message",
            messages: [{ id: `t${i}`, role: "user", parts: [{ type: "text", text: "[tokens=200] [delay=20] go" }] }],
          }),
        }),
      );
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      const failed = streams.filter(
        (s) => s.status !== 200 || !s.body.includes('"type":"finish"') || !s.body.includes("t200 "),
      ).length;
      let stored = 0;
      for (let i = 0; i < 50 && stored < concurrentStreams; i++) {
        stored =
          Number(
            (
              await pool.query(
                `select count(*)::int as n from message where role = 'assistant' and status = 'complete'`,
              )
            ).rows[0].n,
          ) - before;
        if (stored < concurrentStreams) await new Promise((r) => setTimeout(r, 100));
      }
      const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MB`;
      const perStream = (peakRss - idleRss) / concurrentStreams;
      record({
        name: `${concurrentStreams} concurrent streaming chats (200 tokens, 20 ms apart)`,
        value: `${failed} failed, ${stored}/${concurrentStreams} stored, ${seconds.toFixed(1)} s`,
        target: "0 errors, all stored",
        pass: failed === 0 && stored === concurrentStreams,
      });
      // Peak minus idle, per stream: what one more concurrent reply costs, whatever the server's
      // baseline (its code and caches). Mostly garbage V8 has not collected yet (bench/README.md).
      record({
        name: "memory per concurrent stream (server RSS, peak minus idle, ÷ streams)",
        value: `${(perStream / 1024 / 1024).toFixed(2)} MB per stream (${mb(idleRss)} idle → ${mb(peakRss)} peak, ${concurrentStreams} streams)`,
        target: "report",
        pass: true,
      });
    }

    const listOn = (base: string) => timeRequest(`${base}/api/threads?limit=50`, { headers: { cookie, origin: base } });
    const chatOn = (base: string, i: number) =>
      timeToFirstByte(`${base}/api/chat`, {
        method: "POST",
        headers: { cookie, origin: base, "content-type": "application/json" },
        body: JSON.stringify({
          id: chatThreads[i % 20].id,
          trigger: "submit-message",
          messages: [{ id: `i${i}-${Date.now()}`, role: "user", parts: [{ type: "text", text: "[tokens=20] hi" }] }],
        }),
      });

    // 8. One instance against two on the same database (requests alternate between them, as a
    // round-robin proxy would send them), 20 clients; then what the request log and tracing cost.
    if (runs("instances")) {
      const cores = (await import("node:os")).cpus().length;
      const twinPort = await freePort();
      const twinURL = `http://127.0.0.1:${twinPort}`;
      const twin = await startApp(twinPort, { ...env, BETTER_AUTH_URL: twinURL });
      const perSecond = async (
        bases: string[],
        total: number,
        task: (base: string, i: number) => Promise<{ status: number }>,
      ) => {
        const t = performance.now();
        const results = await runConcurrent(total, 20, (i) => task(bases[i % bases.length]!, i));
        if (results.some((r) => r.status !== 200)) throw new Error("a request failed during the instances benchmark");
        return total / ((performance.now() - t) / 1000);
      };
      await runConcurrent(100, 20, (i) => listOn([baseURL, twinURL][i % 2]!));
      for (const [name, total, task] of [
        ["thread list", 3000, listOn],
        ["chat (20-token replies)", 600, chatOn],
      ] as const) {
        const one = await perSecond([baseURL], total, task);
        const two = await perSecond([baseURL, twinURL], total, task);
        record({
          name: `${name}, 20 clients: 1 instance vs 2 on one database`,
          value: `${one.toFixed(0)} req/s vs ${two.toFixed(0)} req/s (${cores} cores for the instances, PostgreSQL, the clients and the fake model)`,
          target: "report",
          pass: true,
        });
      }
      await twin.stop();
    }

    if (runs("logs")) {
      const { startOtlpReceiver } = await import("../tests/support/otlp-receiver");
      const receiver = await startOtlpReceiver();
      const variantPort = await freePort();
      const variantURL = `http://127.0.0.1:${variantPort}`;
      const variants = [
        ["no request log (LOG_LEVEL=silent)", { LOG_LEVEL: "silent" }],
        ["request log (default)", {}],
        [
          "request log and tracing (OTLP to 127.0.0.1)",
          { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_METRICS_EXPORTER: "none", OTEL_LOGS_EXPORTER: "none" },
        ],
      ] as const;
      let quiet: Stats | undefined;
      for (const [name, extra] of variants) {
        const instance = await startApp(variantPort, { ...env, BETTER_AUTH_URL: variantURL, ...extra }, "/dev/null");
        await runConcurrent(200, 1, () => listOn(variantURL));
        const measured = await load(1000, 1, () => listOn(variantURL));
        await instance.stop();
        quiet ??= measured.stats;
        record({ name: `thread list, 1 client: ${name}`, ...measured, baseline: quiet, target: "report", pass: true });
      }
      await receiver.close();
    }

    // 9. Attachments: a 10 MiB image uploaded (POST /api/attachments, multipart) and downloaded,
    // one at a time, on each storage kind: the database (this server), a directory, and S3 (a
    // local s3rver, so this measures the app's path and the client, not a real store's network).
    if (runs("attachments")) {
      const { mkdtempSync, rmSync } = await import("node:fs");
      const { tmpdir } = await import("node:os");
      const { randomBytes } = await import("node:crypto");
      const { startS3Server } = await import("../tests/support/s3-server");
      const tenMiB = 10 * 1024 * 1024;
      // A PNG signature and random bytes: taken as an image, and as costly to store as any photo.
      const image = Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        randomBytes(tenMiB - 8),
      ]);
      const filesDir = mkdtempSync(path.join(tmpdir(), "threadkeeper-bench-files-"));
      const s3 = await startS3Server("threadkeeper-bench");
      const storagePort = await freePort();
      const storageURL = `http://127.0.0.1:${storagePort}`;
      for (const [kind, extra] of [
        ["database", {}],
        ["filesystem", { ATTACHMENT_STORAGE: "filesystem", ATTACHMENT_DIR: filesDir }],
        ["s3", s3.env],
      ] as const) {
        const instance = await startApp(storagePort, { ...env, BETTER_AUTH_URL: storageURL, ...extra }, "/dev/null");
        const upload = async () => {
          const form = new FormData();
          form.append("file", new Blob([image], { type: "image/png" }), "photo.png");
          const t = performance.now();
          const response = await fetch(`${storageURL}/api/attachments`, {
            method: "POST",
            headers: { cookie, origin: storageURL },
            body: form,
          });
          const body = (await response.json()) as { id: string };
          if (response.status !== 201) throw new Error(`upload on ${kind}: ${response.status} ${JSON.stringify(body)}`);
          return { ms: performance.now() - t, id: body.id };
        };
        await upload();
        const uploads = [];
        for (let i = 0; i < 10; i++) uploads.push(await upload());
        const downloads: number[] = [];
        for (const { id } of uploads) {
          const t = performance.now();
          const response = await fetch(`${storageURL}/api/attachments/${id}`, { headers: { cookie } });
          const bytes = await response.arrayBuffer();
          if (response.status !== 200 || bytes.byteLength !== tenMiB)
            throw new Error(`download on ${kind}: ${response.status}, ${bytes.byteLength} bytes`);
          downloads.push(performance.now() - t);
        }
        await instance.stop();
        const up = stats(uploads.map((u) => u.ms));
        const down = stats(downloads);
        const rate = (ms: number) => `${(10 / (ms / 1000)).toFixed(0)} MiB/s`;
        record({
          name: `attachment upload, 10 MiB image, ${kind} storage`,
          stats: up,
          value: rate(up.p50),
          target: "report",
          pass: true,
        });
        record({
          name: `attachment download, 10 MiB image, ${kind} storage`,
          stats: down,
          value: rate(down.p50),
          target: "report",
          pass: true,
        });
        console.log(`  ${kind}: upload ${rate(up.p50)}, download ${rate(down.p50)} (at the median)`);
      }
      await s3.stop();
      rmSync(filesDir, { recursive: true, force: true });
    }

    // 11. Projects: indexing throughput, retrieval latency at 1,000 / 20,000 / 100,000 passages, and
    // what a project adds to a turn, in process and through this app (bench/projects.ts).
    if (runs("projects"))
      await benchProjects({
        databaseUrl: postgres.url,
        modelUrl: model.url,
        record,
        app: { baseURL, cookie, userId },
      });

    // 12. Conversation import: 10,000 ChatGPT conversations through this app (bench/import.ts).
    if (runs("import")) await benchImport({ baseURL, databaseUrl: postgres.url, serverPid: server.pid, record });

    // 5. Session check in process (auth.api.getSession, as every route calls it): the database
    // every time (SESSION_CACHE=off), and with the session cache the app runs with by default.
    if (runs("session")) {
      const db = connectPostgres(postgres.url, { max: 4 });
      const sessionCost = async (cached: boolean) => {
        const auth = createAuth(
          db.db,
          { ...env, NODE_ENV: "production" },
          cached ? { sessionCache: createSessionCache(() => db.listen) } : {},
        );
        const { headers: signed } = await auth.api.signInEmail({
          body: { email: "bench@bench.invalid", password: "bench password" },
          returnHeaders: true,
        });
        const jar = signed
          .getSetCookie()
          .map((c) => c.split(";")[0])
          .join("; ");
        const request = new Headers({ cookie: jar });
        for (let i = 0; i < 200; i++) await auth.api.getSession({ headers: request });
        const samples: number[] = [];
        let errors = 0;
        for (let i = 0; i < 5000; i++) {
          const t = performance.now();
          const session = await auth.api.getSession({ headers: request });
          samples.push(performance.now() - t);
          if (!session) errors++;
        }
        return { stats: stats(samples), errors };
      };
      const off = await sessionCost(false);
      const on = await sessionCost(true);
      await db.close();
      record({
        name: "getSession in process, from the database (SESSION_CACHE=off)",
        ...off,
        target: "report",
        pass: true,
      });
      record({
        name: "getSession in process, session cache (default; revocation still immediate)",
        ...on,
        baseline: off.stats,
        target: "p50 ≤ 0.3 ms",
        pass: on.stats.p50 <= 0.3,
      });
    }

    // 6. Page weight: JavaScript a first visit to / downloads in Chromium until the composer is there, gzipped.
    // Over the budget, the bench fails (exit code 1) once every other result is written; without a
    // browser on the machine the row says so.
    let overBudget = false;
    if (runs("pages"))
      try {
        const browser = await chromium.launch(chromiumLaunchOptions());
        try {
          const weight = await firstVisitScriptBytes(browser, `${baseURL}/`, cookie, (page) =>
            page.getByRole("textbox", { name: "Message" }).waitFor(),
          );
          overBudget = weight.gzipBytes > firstLoadBudget;
          for (const file of weight.files.slice(0, 8))
            console.log(`  ${(file.gzipBytes / 1024).toFixed(1).padStart(6)} kB  ${new URL(file.url).pathname}`);
          record({
            name: "first-load JavaScript of /",
            value: `${(weight.gzipBytes / 1024).toFixed(1)} kB gzip in ${weight.scripts} scripts`,
            target: `≤ ${firstLoadBudget / 1024} kB gzip (the bench fails above it)`,
            pass: !overBudget,
          });

          // 7. Opening /chat/:id of a 500-message thread, and scrolling a 2,000-message one (bench/long-thread.ts).
          if (runs("open"))
            await benchLongThread({ browser, baseURL, databaseUrl: postgres.url, cookie, userId, record });
        } finally {
          await browser.close();
        }
      } catch (error) {
        const reason = (error instanceof Error ? error.message : String(error)).split("\n")[0];
        record({
          name: "first-load JavaScript of /",
          value: `not measured: ${reason} (set CHROMIUM_PATH)`,
          target: `≤ ${firstLoadBudget / 1024} kB gzip (the bench fails above it)`,
          pass: false,
        });
      }

    if (only.size > 0) {
      mkdirSync(resultsDir, { recursive: true });
      const file = `only-${[...only].join("-")}.json`;
      const result = { date: new Date().toISOString(), scale, only: [...only], results: rows };
      writeFileSync(path.join(resultsDir, file), JSON.stringify(result, null, 2));
      console.log(
        `\nbench: ${rows.filter((r) => r.pass).length} of ${rows.length} on target; bench/results/${file} written`,
      );
      if (overBudget) failBudget();
      return;
    }

    // Plans of the hot queries, for bench/README.md.
    const explain = async (sql: string, params: unknown[]) =>
      (await pool.query(`explain (analyze, buffers, costs off, timing off, summary off) ${sql}`, params)).rows
        .map((r) => r["QUERY PLAN"])
        .join("\n");
    const cursor = JSON.parse(Buffer.from(after!, "base64url").toString()) as [string, string];
    const listSql = `select id, title, status, created_at, updated_at, last_message_at from thread
      where user_id = $1 and status = 'regular' %AFTER% order by updated_at desc, id desc limit 51`;
    const plans = {
      "thread list, first page": await explain(listSql.replace("%AFTER%", ""), [userId]),
      "thread list, page 51": await explain(
        listSql.replace("%AFTER%", "and (updated_at, id) < ($2::timestamptz, $3::uuid)"),
        [userId, cursor[0], cursor[1]],
      ),
      "thread open (500 messages)": await explain(
        `select m.id, m.parent_id, m.format, m.content::text as content, m.status, to_json(m.created_at)::text as created_at
         from thread t left join message m on m.thread_id = t.id where t.id = $1 and t.user_id = $2 order by m.created_at`,
        [seeded.longThreadId, userId],
      ),
      "session lookup": await explain(`select * from session where token = $1`, [
        decodeURIComponent(cookie.split("=")[1]).split(".")[0],
      ]),
    };

    const result = {
      date: new Date().toISOString(),
      scale,
      data: counts,
      seedSeconds: seeded.seconds,
      machine: { cpus: (await import("node:os")).cpus().length, node: process.version },
      results: rows,
      plans,
    };
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(path.join(resultsDir, "latest.json"), JSON.stringify(result, null, 2));
    writeFileSync(path.join(resultsDir, `scale-${scale}.json`), JSON.stringify(result, null, 2));
    const other = path.join(resultsDir, `scale-${scale === 1 ? 10 : 1}.json`);
    if (existsSync(other)) {
      const small = scale === 1 ? result : JSON.parse(readFileSync(other, "utf8"));
      const big = scale === 1 ? JSON.parse(readFileSync(other, "utf8")) : result;
      const firstOf = (r: { results: Row[] }) =>
        r.results.find((x) => x.name === "thread list, first page, 20 clients")!.stats!.p50;
      console.log(`10× data / 1× data, thread list p50: ${(firstOf(big) / firstOf(small)).toFixed(2)} (target ≤ 1.5)`);
    }
    console.log(
      "\n" +
        Object.entries(plans)
          .map(([k, v]) => `-- ${k}\n${v}`)
          .join("\n\n"),
    );
    console.log(
      `\nbench: ${rows.filter((r) => r.pass).length} of ${rows.length} on target; bench/results/latest.json written`,
    );
    if (overBudget) failBudget();
  } finally {
    await pool.end();
    await server.stop();
    await model.close();
    await postgres.stop();
  }
}

function failBudget() {
  console.error(`bench: the first-load JavaScript of / is over its budget of ${firstLoadBudget / 1024} kB gzip`);
  process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
