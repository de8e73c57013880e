/**
 * Conversation import (issue 28): a synthetic ChatGPT export of 10,000 conversations (about 10
 * messages each, every fifth with an edited question, so a branch) imported through the running
 * app, as /account sends it (multipart, POST /api/account/import, the NDJSON progress read to
 * "done"). Reports conversations/s and MB/s (upload, check and write, end to end) and the app's
 * peak RSS (its process tree: the parse worker is a thread of it) against its idle RSS.
 * bench/run.ts calls benchImport(); run alone against a build (`npm run build` first, or
 * BENCH_SKIP_BUILD=1 to reuse one):
 *   npx tsx --import ./bench/allow-server-only.mjs bench/import.ts
 *   BENCH_IMPORT_CONVERSATIONS=10000   conversations in the export
 */
import { createWriteStream, existsSync, mkdtempSync, openAsBlob, rmSync, statSync } from "node:fs";
import { once } from "node:events";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import { buildApp, startApp } from "../tests/support/app-server";
import { migratePostgres } from "../tests/support/migrate";
import { freePort, startTestPostgres } from "../tests/support/postgres";
import { treeRssBytes } from "./measure";
import { signUpBenchUser } from "./standalone";

export type ImportRow = { name: string; value: string; target: string; pass: boolean };

const conversationCount = Number(process.env.BENCH_IMPORT_CONVERSATIONS ?? 10_000);
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

const words =
  "the of garden tomato river window planning budget recipe travel python function error deploy server database query index cache latency theory music history chapter summary question answer".split(
    " ",
  );

/** Writes the export to `file` one conversation at a time (never the whole of it in memory); returns its size. */
export async function writeExport(file: string, count: number): Promise<number> {
  const out = createWriteStream(file);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  let seed = 1;
  const sentence = (n: number) => {
    const picked: string[] = [];
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      picked.push(words[seed % words.length]);
    }
    return `${picked.join(" ")}.`;
  };
  const start = Date.UTC(2023, 0, 1) / 1000;
  await write("[");
  for (let c = 0; c < count; c++) {
    const created = start + c * 3600;
    const mapping: Record<string, unknown> = {};
    const node = (id: string, parent: string | null, role: string | null, text: string, at: number) => {
      mapping[id] = {
        id,
        parent,
        children: [],
        message:
          role === null
            ? null
            : {
                id,
                author: { role, name: null, metadata: {} },
                create_time: at,
                update_time: null,
                content: { content_type: "text", parts: [text] },
                status: "finished_successfully",
                end_turn: true,
                weight: 1,
                metadata: { model_slug: "gpt-4o" },
                recipient: "all",
              },
      };
      if (parent) (mapping[parent] as { children: string[] }).children.push(id);
    };
    node("root", null, null, "", created);
    let parent = "root";
    for (let m = 0; m < 10; m++) {
      const id = `n${m}`;
      node(id, parent, m % 2 ? "assistant" : "user", sentence(m % 2 ? 60 : 15), created + m * 30);
      parent = id;
    }
    let current = parent;
    if (c % 5 === 0) {
      // The person edited their fourth question and went on from there.
      node("e6", "n5", "user", sentence(15), created + 400);
      node("e7", "e6", "assistant", sentence(60), created + 430);
      current = "e7";
    }
    const conversation = {
      title: `Conversation ${c}: ${sentence(4)}`,
      create_time: created,
      update_time: created + 430,
      mapping,
      moderation_results: [],
      current_node: current,
      conversation_id: `conv-${c}`,
      id: `conv-${c}`,
    };
    await write(`${c ? "," : ""}${JSON.stringify(conversation)}`);
  }
  await write("]");
  out.end();
  await once(out, "finish");
  return statSync(file).size;
}

/** The import through the app; `serverPid` is the `next start` process whose tree's memory is sampled. */
export async function benchImport(options: {
  baseURL: string;
  databaseUrl: string;
  serverPid: number;
  record: (row: ImportRow) => void;
}) {
  const { baseURL, record } = options;
  const dir = mkdtempSync(path.join(tmpdir(), "bench-import-"));
  try {
    const file = path.join(dir, "conversations.json");
    const bytes = await writeExport(file, conversationCount);
    const { cookie, userId } = await signUpBenchUser(baseURL, "Importer", "importer@bench.invalid");

    let peakRss = await treeRssBytes(options.serverPid);
    const idleRss = peakRss;
    const sampler = setInterval(
      async () => (peakRss = Math.max(peakRss, await treeRssBytes(options.serverPid).catch(() => 0))),
      100,
    );
    const form = new FormData();
    form.append("file", await openAsBlob(file, { type: "application/json" }), "conversations.json");
    const started = performance.now();
    let validatedAt = 0;
    let last: { type: string; imported?: number; error?: { message: string } } | null = null;
    try {
      const response = await fetch(`${baseURL}/api/account/import`, {
        method: "POST",
        headers: { cookie, origin: baseURL },
        body: form,
      });
      if (response.status !== 200) throw new Error(`import refused: ${response.status} ${await response.text()}`);
      validatedAt = performance.now();
      const decoder = new TextDecoder();
      let buffered = "";
      const reader = response.body!.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
          last = JSON.parse(buffered.slice(0, end));
          buffered = buffered.slice(end + 1);
        }
      }
    } finally {
      clearInterval(sampler);
    }
    const seconds = (performance.now() - started) / 1000;
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 1 });
    const counts = (
      await pool.query(
        `select count(distinct t.id)::int as threads, count(m.id)::int as messages
         from thread t join message m on m.thread_id = t.id where t.user_id = $1`,
        [userId],
      )
    ).rows[0] as { threads: number; messages: number };
    await pool.end();
    const ok = last?.type === "done" && counts.threads === conversationCount;
    console.log(
      `  import: ${mb(bytes)} export, checked in ${((validatedAt - started) / 1000).toFixed(1)} s (upload included), ` +
        `${counts.threads} threads and ${counts.messages} messages written, ${seconds.toFixed(1)} s in all` +
        (ok ? "" : ` (last line: ${JSON.stringify(last)})`),
    );
    record({
      name: `import ${conversationCount.toLocaleString("en")} ChatGPT conversations (${mb(bytes)}) through the app`,
      value: `${(conversationCount / seconds).toFixed(0)} conversations/s, ${(bytes / 1024 / 1024 / seconds).toFixed(1)} MB/s, server RSS ${mb(idleRss)} idle → ${mb(peakRss)} peak`,
      target: "all imported; peak RSS ≤ idle + 300 MB (the file is never held whole)",
      pass: ok && peakRss - idleRss <= 300 * 1024 * 1024,
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const postgres = await startTestPostgres("bench-import");
  await migratePostgres(postgres.url);
  const port = await freePort();
  const baseURL = `http://127.0.0.1:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: postgres.url,
    BETTER_AUTH_SECRET: "bench-secret-bench-secret-bench-secret-01",
    BETTER_AUTH_URL: baseURL,
    AUTH_RATE_LIMIT_MAX: "1000000",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  if (process.env.BENCH_SKIP_BUILD !== "1" || !existsSync(".next/BUILD_ID")) buildApp(env);
  const server = await startApp(port, env);
  try {
    await benchImport({
      baseURL,
      databaseUrl: postgres.url,
      serverPid: server.pid,
      record: (row) => console.log(`${row.pass ? "✓" : "✗"} ${row.name}: ${row.value}  (target ${row.target})`),
    });
  } finally {
    await server.stop();
    await postgres.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
