/**
 * Projects (issue 27): what indexing and retrieval cost, on a real PostgreSQL, through the app's
 * own modules (lib/projects/*) in this process, one instance:
 * - indexing throughput: Markdown uploaded through the file store, then the indexer run to the
 *   end (claim, read, chunk, write with to_tsvector('english', …), mark indexed), in MB of text a
 *   second; without embeddings and with the fake server's (which measures the app's side only);
 * - retrieval latency at 1,000, 20,000 and 100,000 chunks in one project (seeded in SQL in bulk,
 *   with stored embeddings at 1,000 and 20,000), with the app's limits: full-text, and hybrid;
 *   past PROJECT_VECTOR_MAX_CHUNKS / _ELEMENTS (where a turn ranks by full-text alone) with those
 *   bounds raised, to measure what they prevent, and at the default element bound itself (2,000
 *   chunks of 1,536 dimensions);
 * - what a project adds to a turn: turnContextForUser for a thread in a 1,000-chunk project
 *   against one in no project, and, when bench/run.ts hands it the running app, the chat's first
 *   byte through the app for the same two threads.
 * bench/run.ts calls benchProjects(); run alone (no build needed, no app):
 *   npx tsx --expose-gc --import ./bench/allow-server-only.mjs bench/projects.ts
 *   BENCH_PROJECT_INDEX_MB=8     MB of Markdown indexed (default 8; a project holds at most 50 MiB)
 */
import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createOpenAI } from "@ai-sdk/openai";
import pg from "pg";
import { connectPostgres } from "@/db/connect";
import { user } from "@/db/schema";
import { createUsage } from "@/lib/chat/usage";
import { createEmbedder, type Embedder } from "@/lib/projects/embeddings";
import { createProjectIndexer } from "@/lib/projects/indexer";
import { readProjectLimits } from "@/lib/projects/limits";
import { createProjectFileStore } from "@/lib/projects/project-files";
import { createProjectStore } from "@/lib/projects/projects";
import { createRetrieval, toAnyWordQuery } from "@/lib/projects/retrieval";
import { createTurnContext } from "@/lib/projects/turn-context";
import { fakeEmbedding } from "../tests/support/fake-openai";
import { migratePostgres } from "../tests/support/migrate";
import { createDatabase } from "../tests/support/postgres";
import { runConcurrent, stats, timeToFirstByte, type Stats } from "./measure";

export type ProjectsRow = {
  name: string;
  stats?: Stats;
  baseline?: Stats;
  value?: string;
  target: string;
  pass: boolean;
};

export type ProjectsBenchOptions = {
  databaseUrl: string;
  /** The fake OpenAI-compatible server (…/v1): embeddings for indexing and hybrid questions. */
  modelUrl: string;
  record: (row: ProjectsRow) => void;
  /** The running app and its signed-in user: the chat's first byte in a project thread is measured too. */
  app?: { baseURL: string; cookie: string; userId: string };
};

const corpusDir = path.join(process.cwd(), "tests", "fixtures", "retrieval");
const embeddingModel = "fake-embedding";
const indexMb = Number(process.env.BENCH_PROJECT_INDEX_MB ?? 8);

/** Deterministic randomness (mulberry32), so every run seeds the same text. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The retrieval corpus (tests/fixtures/retrieval): its documents' paragraphs, each document's
 * sentences, and its 40 questions.
 */
export function corpus() {
  const texts = readdirSync(corpusDir)
    .filter((f) => f.endsWith(".md"))
    .map((f) => readFileSync(path.join(corpusDir, f), "utf8"));
  const paragraphsOf = (text: string) =>
    text
      .split(/\n{2,}/)
      .map((p) => p.trim())
      .filter((p) => p.length > 40);
  const paragraphs = texts.flatMap(paragraphsOf);
  const documents = texts.map((t) =>
    paragraphsOf(t).flatMap((p) => p.split(/(?<=[.!?])\s+/).filter((sentence) => sentence.length > 20)),
  );
  const questions = (
    JSON.parse(readFileSync(path.join(corpusDir, "questions.json"), "utf8")) as { question: string }[]
  ).map((q) => q.question);
  return { paragraphs, documents, questions };
}

/** A Markdown file of about `bytes` bytes: the corpus's paragraphs in a random order under headings. */
function markdownFile(paragraphs: string[], bytes: number, next: () => number): string {
  const parts: string[] = [];
  let size = 0;
  for (let section = 1; size < bytes; section++) {
    parts.push(`## Section ${section}`);
    for (let i = 0; i < 6 && size < bytes; i++) {
      const p = paragraphs[Math.floor(next() * paragraphs.length)]!;
      parts.push(p);
      size += Buffer.byteLength(p) + 2;
    }
  }
  return parts.join("\n\n") + "\n";
}

/** A passage of 1,000–1,400 characters: sentences of `sources` in a random order. */
function passage(sources: string[][], next: () => number): string {
  const want = 1000 + Math.floor(next() * 400);
  let text = "";
  while (text.length < want) {
    const source = sources[Math.floor(next() * sources.length)]!;
    text += (text ? " " : "") + source[Math.floor(next() * source.length)]!;
  }
  return text;
}

/** A model's vectors, computed here as the fake server computes them (tests/support/fake-openai.ts). */
type Embedding = { model: string; vector: (text: string) => number[] };
const fake256: Embedding = { model: embeddingModel, vector: fakeEmbedding };
/**
 * 1,536 numbers a passage, as text-embedding-3-small sends: the fake vector six times over, still
 * of unit length. What a vector ranking costs depends on the numbers compared, not on their meaning.
 */
const fake1536: Embedding = {
  model: "fake-embedding-1536",
  vector: (text) => {
    const v = fakeEmbedding(text).map((x) => x / Math.sqrt(6));
    return [...v, ...v, ...v, ...v, ...v, ...v];
  },
};

const vectorLiteral = (v: number[]) => `{${v.map((x) => x.toPrecision(7)).join(",")}}`;

/**
 * A project of `chunks` passages, written in SQL as the indexer leaves them (files `indexed`,
 * `search` = to_tsvector('english', text), and with `embed` its model's unit vectors): what
 * retrieval reads, without indexing 120 MB of text first. At most 50 files (PROJECT_MAX_FILES),
 * each about two of the corpus's documents (its passages are their sentences shuffled), so a
 * topic's words sit in a few files and common words in most, as in a real project.
 */
export async function seedProject(
  pool: pg.Pool,
  userId: string,
  chunks: number,
  embed: Embedding | null,
  documents: string[][],
): Promise<{ projectId: string; seconds: number }> {
  const started = performance.now();
  const next = random(chunks);
  const { rows } = await pool.query(
    `insert into project (user_id, workspace_id, name) values ($1, null, $2) returning id`,
    [userId, `Bench ${chunks} chunks`],
  );
  const projectId = rows[0].id as string;
  const perFile = Math.max(50, Math.ceil(chunks / 50));
  const batch = 1000;
  for (let fileStart = 0; fileStart < chunks; fileStart += perFile) {
    const n = Math.min(perFile, chunks - fileStart);
    const topic = [0, 1].map(() => documents[Math.floor(next() * documents.length)]!);
    const texts = Array.from({ length: n }, () => passage(topic, next));
    const { rows: file } = await pool.query(
      `insert into project_file (project_id, user_id, name, media_type, size, status, chunks, indexed_at)
       values ($1, $2, $3, 'text/plain', $4, 'indexed', $5, now()) returning id`,
      [projectId, userId, `part-${fileStart / perFile + 1}.md`, texts.reduce((s, t) => s + t.length, 0), n],
    );
    for (let i = 0; i < n; i += batch) {
      const slice = texts.slice(i, i + batch);
      await pool.query(
        `insert into project_chunk (file_id, seq, project_id, text, start, search, embedding, embedding_model)
         select $1, $5::int + i::int, $2, t, ($5::int + i::int - 1) * 1000, to_tsvector('english', t), e::real[],
                case when e is null then null else $6 end
         from unnest($3::text[], $4::text[]) with ordinality as x(t, e, i)`,
        [
          file[0].id,
          projectId,
          slice,
          slice.map((t) => (embed ? vectorLiteral(embed.vector(t)) : null)),
          i,
          embed?.model ?? null,
        ],
      );
    }
  }
  // As autovacuum leaves them soon after: with the tables' statistics of before the seeding, the
  // planner guesses a project has a file or two.
  await pool.query(`analyze project, project_file, project_chunk`);
  return { projectId, seconds: (performance.now() - started) / 1000 };
}

export async function benchProjects({ databaseUrl, modelUrl, record, app }: ProjectsBenchOptions): Promise<void> {
  const handle = connectPostgres(databaseUrl, { max: 4 });
  const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
  const { paragraphs, documents: sources, questions } = corpus();
  try {
    await handle.ready();
    const usage = createUsage(handle.db, null);
    const provider = createOpenAI({ baseURL: modelUrl, apiKey: "bench" });
    const embedder: Embedder = createEmbedder(provider.embedding(embeddingModel), embeddingModel, usage);
    const limits = readProjectLimits({
      OPENAI_EMBEDDING_MODEL: embeddingModel,
      OPENAI_BASE_URL: modelUrl,
      // All the files queued at once (the limit on files waiting is not what is measured).
      PROJECT_MAX_QUEUED_FILES_PER_USER: "1000",
    });

    let userId = app?.userId;
    if (!userId) {
      userId = randomUUID();
      await pool.query(`insert into "user" (id, name, email) values ($1, 'Bench', $2)`, [
        userId,
        `bench-projects-${userId}@bench.invalid`,
      ]);
    }

    // 1. Indexing throughput, one instance: upload, then the indexer until no job is left. In a
    // database of its own on the same server: a running app's indexer (bench/run.ts) would
    // otherwise take some of the jobs.
    const indexingUrl = await createDatabase(databaseUrl, `bench_indexing_${process.pid}_${Date.now()}`);
    await migratePostgres(indexingUrl);
    const indexing = connectPostgres(indexingUrl, { max: 4 });
    try {
      const indexingUser = randomUUID();
      await indexing.db
        .insert(user)
        .values({ id: indexingUser, name: "Bench", email: `${indexingUser}@bench.invalid` });
      const indexingProjects = createProjectStore(indexing.db, limits);
      const indexingFiles = createProjectFileStore(indexing.db, limits);
      const indexingEmbedder = createEmbedder(
        provider.embedding(embeddingModel),
        embeddingModel,
        createUsage(indexing.db, null),
      );
      const mib = 1024 * 1024;
      const next = random(27);
      const count = Math.max(1, Math.round(indexMb));
      const documents = Array.from({ length: count }, (_, i) => ({
        name: `handbook-${i + 1}.md`,
        bytes: new TextEncoder().encode(markdownFile(paragraphs, (indexMb / count) * mib, next)),
      }));
      const totalMb = documents.reduce((s, d) => s + d.bytes.byteLength, 0) / 1e6;
      for (const [label, withEmbeddings] of [
        ["full-text only", false],
        ["with embeddings (fake server)", true],
      ] as const) {
        const project = await indexingProjects.createProjectForUser(indexingUser, null, { name: `Indexing, ${label}` });
        const uploadStarted = performance.now();
        for (const document of documents) await indexingFiles.uploadFileForUser(indexingUser, project.id, document);
        const uploadSeconds = (performance.now() - uploadStarted) / 1000;
        const indexer = createProjectIndexer({
          db: indexing.db,
          embedder: () => (withEmbeddings ? indexingEmbedder : null),
        });
        const started = performance.now();
        while (await indexer.runOnce());
        const seconds = (performance.now() - started) / 1000;
        const listed = (await indexingFiles.listFilesForUser(indexingUser, project.id)) ?? [];
        const indexed = listed.filter((f) => f.status === "indexed");
        const passages = indexed.reduce((s, f) => s + f.passages, 0);
        record({
          name: `project indexing, ${label}: ${documents.length} Markdown files, ${totalMb.toFixed(1)} MB, one instance`,
          value:
            `${(totalMb / seconds).toFixed(2)} MB/s (${seconds.toFixed(1)} s, ${passages} passages, ` +
            `${(passages / seconds).toFixed(0)} passages/s; upload ${uploadSeconds.toFixed(1)} s)` +
            (indexed.length < listed.length ? `; ${listed.length - indexed.length} files not indexed` : ""),
          target: "report",
          pass: listed.length === documents.length && indexed.length === listed.length,
        });
      }
    } finally {
      await indexing.close();
    }

    // 2. Retrieval latency: one project of each size, the 40 questions of the quality test in turn,
    // with the app's limits. Hybrid rows past PROJECT_VECTOR_MAX_CHUNKS / _ELEMENTS (which would
    // rank by full-text alone) run with those bounds raised: they measure what the bounds prevent.
    const retrieval = createRetrieval({ db: handle.db, embedder: () => embedder, limits });
    const unbounded = createRetrieval({
      db: handle.db,
      embedder: () => embedder,
      limits: { ...limits, vectorMaxChunks: Number.MAX_SAFE_INTEGER, vectorMaxElements: Number.MAX_SAFE_INTEGER },
    });
    const withinBounds = (chunks: number, dims: number) =>
      chunks <= limits.vectorMaxChunks && chunks * dims <= limits.vectorMaxElements;
    const seeded = new Map<number, string>();
    /** The 40 questions in turn against one project, after 10 to warm up: a row per mode. */
    const measureRetrieval = async (
      projectId: string,
      chunks: number,
      modes: readonly ("fts" | "hybrid")[],
      where = "",
      options: { embedder?: Embedder; dims?: number } = {},
    ) => {
      // How much of the project a question's words reach: full-text ranks every passage matching any of them.
      const shares: number[] = [];
      for (const question of questions) {
        const { rows } = await pool.query(
          `select count(*)::int as n from project_chunk where project_id = $1 and search @@ to_tsquery('english', $2)`,
          [projectId, toAnyWordQuery(question) ?? ""],
        );
        shares.push((100 * rows[0].n) / chunks);
      }
      const matched = stats(shares);
      for (const mode of modes) {
        const dims = options.dims ?? 256;
        const raised = mode === "hybrid" && !withinBounds(chunks, dims);
        const ranker = options.embedder
          ? createRetrieval({
              db: handle.db,
              embedder: () => options.embedder!,
              limits: raised
                ? { ...limits, vectorMaxChunks: Number.MAX_SAFE_INTEGER, vectorMaxElements: Number.MAX_SAFE_INTEGER }
                : limits,
            })
          : raised
            ? unbounded
            : retrieval;
        const ask = async (i: number) => {
          const t = performance.now();
          const found = await ranker.retrieveForUser(userId, projectId, questions[i % questions.length]!, {
            limit: limits.retrievalPassages,
            mode,
          });
          return { ms: performance.now() - t, found: found.length };
        };
        await runConcurrent(10, 1, ask);
        // Fewer rounds where one takes a second or more; every question is asked at least once.
        const rounds =
          chunks * (mode === "hybrid" ? dims / 256 : 1) <= 2_000
            ? 200
            : chunks > 20_000 || mode === "hybrid"
              ? 60
              : 120;
        const runs = await runConcurrent(rounds, 1, ask);
        const empty = runs.filter((r) => r.found === 0).length;
        const kind =
          mode === "fts"
            ? "full-text"
            : `hybrid, ${dims} dimensions${raised ? ", vector bounds raised" : ""} (incl. embedding the question)`;
        record({
          name: `project retrieval, ${chunks.toLocaleString("en")} passages${where}, ${kind}, 1 client`,
          stats: stats(runs.map((r) => r.ms)),
          value:
            `a question's words reach ${matched.p50.toFixed(0)} % of the passages at the median (max ${matched.max.toFixed(0)} %)` +
            (empty ? `; ${empty} questions found nothing` : ""),
          target: "report",
          pass: true,
        });
      }
    };
    for (const { chunks, embed } of [
      { chunks: 1_000, embed: fake256 },
      { chunks: 20_000, embed: fake256 },
      { chunks: 100_000, embed: null },
    ]) {
      const { projectId, seconds } = await seedProject(pool, userId, chunks, embed, sources);
      seeded.set(chunks, projectId);
      console.log(
        `  seeded a project of ${chunks} passages${embed ? " with embeddings" : ""} in ${seconds.toFixed(1)} s`,
      );
      await measureRetrieval(projectId, chunks, embed ? ["fts", "hybrid"] : ["fts"]);
    }
    // The small project again, now that the database holds 120,000 passages of other projects:
    // the full-text index covers every project, so what one costs can depend on the others.
    await measureRetrieval(seeded.get(1_000)!, 1_000, ["fts"], " beside 120,000 of other projects");
    // At PROJECT_VECTOR_MAX_ELEMENTS' default: 2,000 passages of a 1,536-dimension model (the
    // question embedded in process here, not through the fake server).
    {
      const chunks = Math.floor(limits.vectorMaxElements / 1536);
      const { projectId } = await seedProject(pool, userId, chunks, fake1536, sources);
      const wide: Embedder = {
        model: fake1536.model,
        embed: async (_userId, values) => values.map((v) => fake1536.vector(v)),
      };
      await measureRetrieval(projectId, chunks, ["hybrid"], "", { embedder: wide, dims: 1536 });
    }

    // 3. What a project adds to a turn: the turn's context for a thread in the 1,000-passage
    // project (personal and project instructions, passages) against one in no project.
    await pool.query(
      `insert into user_instructions (user_id, instructions) values ($1, 'Answer briefly.')
       on conflict (user_id) do nothing`,
      [userId],
    );
    const projectId = seeded.get(1_000)!;
    await pool.query(`update project set instructions = 'Answer from the handbook and cite it.' where id = $1`, [
      projectId,
    ]);
    const { rows: threads } = await pool.query(
      `insert into thread (user_id, project_id) values ($1, null), ($1, $2) returning id, project_id`,
      [userId, projectId],
    );
    const plainThread = threads.find((t) => t.project_id === null)!.id as string;
    const projectThread = threads.find((t) => t.project_id !== null)!.id as string;
    for (const [label, mode] of [
      ["full-text", "fts"],
      ["hybrid", "hybrid"],
    ] as const) {
      const context = createTurnContext(
        handle.db,
        { retrieveForUser: (u, p, q, o) => retrieval.retrieveForUser(u, p, q, { ...o, mode }) },
        limits.retrievalPassages,
      );
      const time = (threadId: string) => async (i: number) => {
        const t = performance.now();
        await context.turnContextForUser(userId, threadId, questions[i % questions.length]!);
        return performance.now() - t;
      };
      await runConcurrent(20, 1, time(projectThread));
      const plain = stats(await runConcurrent(200, 1, time(plainThread)));
      const inProject = stats(await runConcurrent(200, 1, time(projectThread)));
      record({
        name: `turn context (instructions + passages), project of 1,000 passages, ${label}, 1 client`,
        stats: inProject,
        baseline: plain,
        value: `+${(inProject.p50 - plain.p50).toFixed(2)} ms at the median over a thread in no project (${plain.p50.toFixed(2)} ms)`,
        target: "report",
        pass: true,
      });
    }

    // 4. Through the app (bench/run.ts): the chat's first byte in a project thread against a plain one.
    if (app) {
      const headers = { cookie: app.cookie, origin: app.baseURL, "content-type": "application/json" };
      const { rows: appThreads } = await pool.query(
        `insert into thread (user_id, project_id) values ($1, null), ($1, $2) returning id, project_id`,
        [userId, projectId],
      );
      let seq = 0;
      const chat = (threadId: string) => (i: number) =>
        timeToFirstByte(`${app.baseURL}/api/chat`, {
          method: "POST",
          headers,
          body: JSON.stringify({
            id: threadId,
            trigger: "submit-message",
            messages: [
              { id: `p${seq++}`, role: "user", parts: [{ type: "text", text: questions[i % questions.length]! }] },
            ],
          }),
        });
      const plainId = appThreads.find((t) => t.project_id === null)!.id as string;
      const projectId2 = appThreads.find((t) => t.project_id !== null)!.id as string;
      await runConcurrent(20, 1, chat(projectId2));
      const measure = async (threadId: string) => {
        const runs = await runConcurrent(200, 1, chat(threadId));
        const ok = runs.filter((r) => r.status === 200);
        return { stats: stats(ok.map((r) => r.ms)), errors: runs.length - ok.length, runs };
      };
      const plain = await measure(plainId);
      const inProject = await measure(projectId2);
      const withSources = inProject.runs.filter((r) => r.body.includes('"type":"source-url"')).length;
      record({
        name: "chat first byte in a project thread (1,000 passages, full-text), 1 user",
        stats: inProject.stats,
        baseline: plain.stats,
        value:
          `+${(inProject.stats.p50 - plain.stats.p50).toFixed(2)} ms at the median over a plain thread ` +
          `(${plain.stats.p50.toFixed(2)} ms); ${withSources}/${inProject.runs.length} replies with sources` +
          (plain.errors + inProject.errors ? `; ${plain.errors + inProject.errors} errors` : ""),
        target: "report",
        pass: plain.errors + inProject.errors === 0 && withSources === inProject.runs.length,
      });
    }
  } finally {
    await pool.end();
    await handle.close();
  }
}

/** Alone: a PostgreSQL and the fake model of its own, then the rows above (no app). */
async function main() {
  const { startTestPostgres } = await import("../tests/support/postgres");
  const { startFakeOpenAI } = await import("../tests/support/fake-openai");
  const postgres = await startTestPostgres("bench-projects");
  await migratePostgres(postgres.url);
  const model = await startFakeOpenAI({ tokenDelayMs: 0 });
  try {
    await benchProjects({
      databaseUrl: postgres.url,
      modelUrl: model.url,
      record: (row) => {
        const s = row.stats;
        const parts = [
          s && `p50 ${s.p50.toFixed(2)} ms  p95 ${s.p95.toFixed(2)}  p99 ${s.p99.toFixed(2)}`,
          row.value,
        ].filter(Boolean);
        console.log(`${row.pass ? "✓" : "✗"} ${row.name}: ${parts.join("  ")}`);
      },
    });
  } finally {
    await model.close();
    await postgres.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
