import "server-only";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { ApiError } from "@/lib/http/errors";
import { logger } from "@/lib/observability/logger";

/**
 * A share snapshot's Markdown, rendered to HTML once when the snapshot is taken, in a worker
 * thread (lib/sharing/markdown-worker.mjs, the server's only Markdown renderer), so a page view
 * parses nothing. micromark is super-linear on hostile input (32,000 characters of `_*` take
 * 16–32 s, others overflow the stack after minutes): no text may hold the event loop, and none
 * may hold a worker past its deadline. A text past a limit is null: the page shows it as plain text.
 *
 * Measured on this project's 2-core machine in CPU time (wall clock was 2–4× that with other
 * builds and browsers sharing it, load average 11): a worker loads React and the Markdown modules
 * in 0.36 s; 32,000 characters (MAX_MESSAGE_CHARS) of dense mixed Markdown (headings, tables,
 * code, lists, quotes) render in 1.0–1.4 s, of prose in 0.4 s, of one code block in 40 ms; the
 * bench's 700-character replies in about 1 ms each. The hostile inputs of
 * tests/support/hostile-markdown.ts take 16 s to minutes, or run out of heap.
 */
export const snapshotHtmlLimits = {
  /**
   * Wall clock per text, from the end of the one before (or from the worker's start); then the
   * worker is terminated, that text stays plain and the rest go on in a fresh worker. Twice the
   * densest ordinary message of MAX_MESSAGE_CHARS, an eighth of the fastest hostile input.
   */
  textMs: 2_000,
  /**
   * Wall clock per snapshot from when it gets a worker, restarts included; past it, the texts
   * left are plain. Room for a 1,000-message snapshot of ordinary replies; at most four hostile
   * texts (deadline plus a fresh worker each) before the rest go plain.
   */
  budgetMs: 10_000,
  /** V8 old generation of a worker, in MB: the densest 32,000-character message renders in it, `> ` repeated runs out within seconds. */
  maxOldGenerationMb: 64,
  /** V8 young generation of a worker, in MB. */
  maxYoungGenerationMb: 16,
  /** Snapshots rendered at once per process, one worker each at a time: at most 2 × 80 MB of heap, and one core left to requests. */
  maxRunning: 2,
  /** Snapshots of one user rendered at once, so one user never takes every worker. */
  maxRunningPerUser: 1,
  /** Snapshots waiting per process, so the last waits at most two budgets (20 s); then 503 with Retry-After. */
  maxWaiting: 4,
  /** Snapshots of one user rendered or waiting; then 429. */
  maxPerUser: 2,
};

export type SnapshotHtmlLimits = typeof snapshotHtmlLimits;

/**
 * Resolved at run time from the app's directory (`next start` runs there and the standalone
 * server.js changes into its own folder), so webpack never bundles it: next.config.ts lists it and
 * the closure of what it imports for the standalone output's file tracing.
 */
export const defaultWorkerFile = () =>
  path.join(/* turbopackIgnore: true */ process.cwd(), "lib", "sharing", "markdown-worker.mjs");

type Job = { userId: string; texts: string[]; resolve: (html: (string | null)[]) => void };
type WorkerMessage = { ready: true } | { index: number; html: string | null };

export function createSnapshotRenderer(overrides: Partial<SnapshotHtmlLimits> = {}, workerFile = defaultWorkerFile) {
  const limits = { ...snapshotHtmlLimits, ...overrides };
  const waiting: Job[] = [];
  const runningOf = new Map<string, number>();
  // When each user last got a worker: a free slot goes to the waiting user served longest ago.
  const lastStarted = new Map<string, number>();
  let running = 0;
  let threads = 0;
  let starts = 0;
  const retryAfter = { "Retry-After": String(Math.ceil(limits.budgetMs / 1000)) };

  /**
   * One worker over `texts` from `from`, writing into `html`; resolves with where the next worker
   * should start (texts.length: done or give up). The text it was on when it died stays null.
   */
  function runWorker(texts: string[], from: number, html: (string | null)[], deadline: number): Promise<number> {
    return new Promise((resolve) => {
      let next = from;
      let ready = false;
      let broken = false;
      let timer: NodeJS.Timeout | undefined;
      let worker: Worker;
      try {
        worker = new Worker(workerFile(), {
          name: "snapshot-markdown",
          workerData: { texts: texts.slice(from), from },
          // No secrets in a thread that parses hostile input; NODE_ENV alone, so React runs its production build
          // there as in the server (the standalone output carries no other).
          env: { NODE_ENV: process.env.NODE_ENV ?? "production" },
          resourceLimits: {
            maxOldGenerationSizeMb: limits.maxOldGenerationMb,
            maxYoungGenerationSizeMb: limits.maxYoungGenerationMb,
          },
        });
      } catch (error) {
        logger.error({ err: error }, "snapshot html: could not start a worker");
        return resolve(texts.length);
      }
      threads++;
      const arm = (ms: number) => {
        clearTimeout(timer);
        timer = setTimeout(() => void worker.terminate(), Math.max(0, ms));
      };
      arm(deadline - Date.now());
      worker.on("message", (m: WorkerMessage) => {
        if ("ready" in m) ready = true;
        else {
          html[m.index] = m.html;
          next = m.index + 1;
        }
        if (next < texts.length) arm(Math.min(limits.textMs, deadline - Date.now()));
      });
      worker.on("error", (error: Error & { code?: string }) => {
        // Out of memory is the text's fault (it stays plain); anything before `ready` is this build's.
        if (error.code === "ERR_WORKER_OUT_OF_MEMORY") return;
        broken = !ready;
        logger[broken ? "error" : "warn"]({ err: error }, "snapshot html: the worker failed");
      });
      // The slot frees when the thread is gone, not when it is told to go.
      worker.once("exit", () => {
        threads--;
        clearTimeout(timer);
        resolve(broken || !ready ? texts.length : Math.min(texts.length, next + (next < texts.length ? 1 : 0)));
      });
    });
  }

  async function renderAll(texts: string[]): Promise<(string | null)[]> {
    const html: (string | null)[] = texts.map(() => null);
    const deadline = Date.now() + limits.budgetMs;
    for (let from = 0; from < texts.length && Date.now() < deadline;)
      from = await runWorker(texts, from, html, deadline);
    return html;
  }

  function next(): Job | undefined {
    let best = -1;
    for (let i = 0; i < waiting.length; i++) {
      const { userId } = waiting[i];
      if ((runningOf.get(userId) ?? 0) >= limits.maxRunningPerUser) continue;
      if (best === -1 || (lastStarted.get(userId) ?? -1) < (lastStarted.get(waiting[best].userId) ?? -1)) best = i;
    }
    return best === -1 ? undefined : waiting.splice(best, 1)[0];
  }

  function pump() {
    for (
      let job = running < limits.maxRunning ? next() : undefined;
      job;
      job = running < limits.maxRunning ? next() : undefined
    ) {
      const { userId } = job;
      running++;
      runningOf.set(userId, (runningOf.get(userId) ?? 0) + 1);
      lastStarted.set(userId, ++starts);
      void renderAll(job.texts)
        .then(job.resolve)
        .finally(() => {
          running--;
          const left = (runningOf.get(userId) ?? 1) - 1;
          if (left > 0) runningOf.set(userId, left);
          else runningOf.delete(userId);
          if (!runningOf.has(userId) && !waiting.some((j) => j.userId === userId)) lastStarted.delete(userId);
          pump();
        });
    }
  }

  /** Each text's HTML, or null to show it as plain text. Queued when every worker is busy; 429/503 when too many wait. */
  function render(userId: string, texts: string[]): Promise<(string | null)[]> {
    if (texts.length === 0) return Promise.resolve([]);
    const mine = (runningOf.get(userId) ?? 0) + waiting.filter((j) => j.userId === userId).length;
    if (mine >= limits.maxPerUser)
      return Promise.reject(
        new ApiError(
          "rate_limited",
          "Your other share links are still being made. Try again when they are done.",
          retryAfter,
        ),
      );
    if (waiting.length >= limits.maxWaiting)
      return Promise.reject(
        new ApiError(
          "service_unavailable",
          "Too many share links are being made right now. Try again in a few seconds.",
          retryAfter,
        ),
      );
    return new Promise((resolve) => {
      waiting.push({ userId, texts, resolve });
      pump();
    });
  }

  /** For tests and metrics: snapshots rendering, snapshots waiting, worker threads alive. */
  const stats = () => ({ running, waiting: waiting.length, threads });

  return { render, stats, limits };
}

export type SnapshotRenderer = ReturnType<typeof createSnapshotRenderer>;

// One queue per process, whichever bundle asks, or the concurrency bound would be per bundle.
const shared = globalThis as { threadkeeperSnapshotHtml?: SnapshotRenderer };
const renderer: SnapshotRenderer = (shared.threadkeeperSnapshotHtml ??= createSnapshotRenderer());

export const renderMarkdownOffThread = (userId: string, texts: string[]) => renderer.render(userId, texts);
