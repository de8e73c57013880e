import "server-only";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { ApiError } from "@/lib/http/errors";
import { logger } from "@/lib/observability/logger";

/**
 * PDF text extraction, off the event loop. pdf.js runs in a worker thread of its own per file
 * (lib/attachments/pdf-text-worker.mjs) with a wall-clock timeout, a heap cap and a cap on the buffers it
 * inflates, and reads at most `maxPages` pages and `maxChars` characters, stopping as soon as
 * either is reached. A 46 KB compression bomb used to hold the whole server for seconds.
 *
 * Outcomes: a limit on what is read (pages, characters) keeps the text read so far with a note
 * saying so, because the start of a long document is still what the user meant to send. Running
 * out of time or memory refuses the file (422 `pdf_too_complex`): a PDF that needs more than 10 s
 * or hundreds of megabytes for its text is broken or hostile, and text cut off at an arbitrary
 * point of a runaway parse would mislead the model.
 *
 * Limits measured on this project's 2-core machine (bench: Debian's own PDF manuals): a 36-page,
 * 263 KB manual takes 0.9 s with a 26 MB worker heap and 5 MB of buffers; a worker starts in about
 * 0.2 s (pdf.js loads anew in each, so no file ever shares state with another user's).
 */
export const pdfTextLimits = {
  /** Pages read; the rest are left out with a note. More than a model's context holds anyway. */
  maxPages: 200,
  /** Characters kept (the cap before this module existed); reading stops once reached. */
  maxChars: 500_000,
  /** Wall clock per file, worker start included; then the worker is terminated and the file refused. */
  timeoutMs: 10_000,
  /** V8 old generation of a worker, in MB: 5× the heap of the 36-page manual. */
  maxOldGenerationMb: 128,
  /** V8 young generation of a worker, in MB. */
  maxYoungGenerationMb: 16,
  /**
   * Array buffers of a worker (inflated streams live there, outside the heap caps above), in MB.
   * V8 cannot cap them, so a watchdog reads the worker's heap statistics every `watchEveryMs`.
   */
  maxExternalMb: 128,
  watchEveryMs: 50,
  /** Files read at once per process: two workers at their caps are about 600 MB. */
  maxRunning: 2,
  /** Files of one user read at once, so one user never takes every worker. */
  maxRunningPerUser: 1,
  /** Files waiting for a worker per process; then 503 with Retry-After for users who already have one queued. Each holds its bytes (≤ 10 MiB). */
  maxWaiting: 16,
  /** Files of one user running or waiting; then 429. As many as one message may carry (the UI uploads them at once). */
  maxPerUser: 8,
};

export type PdfTextLimits = typeof pdfTextLimits;

type WorkerResult =
  | { kind: "unreadable" }
  | { kind: "text"; text: string; pagesRead: number; totalPages: number; truncated: "pages" | "chars" | null };

type Job = { userId: string; bytes: Uint8Array; resolve: (text: string) => void; reject: (error: unknown) => void };

/**
 * Resolved at run time from the app's directory (`next start` runs there and the standalone
 * server.js changes into its own folder), so webpack never bundles it: next.config.ts lists it and
 * unpdf for the standalone output's file tracing.
 */
export const defaultWorkerFile = () =>
  path.join(/* turbopackIgnore: true */ process.cwd(), "lib", "attachments", "pdf-text-worker.mjs");

const tooComplex = (why: string) =>
  new ApiError("pdf_too_complex", `This PDF is too complex to read: ${why}. Try a smaller or simpler file.`);
const unreadable = () =>
  new ApiError("unsupported_media_type", "This file starts like a PDF but could not be read as one.");

function withNote(result: Extract<WorkerResult, { kind: "text" }>, limits: PdfTextLimits): string {
  if (result.truncated === "chars")
    return `${result.text}\n\n[text truncated: only the first ${limits.maxChars} characters were read]`;
  if (result.truncated === "pages") {
    return `${result.text}\n\n[text truncated: only the first ${result.pagesRead} of ${result.totalPages} pages were read]`;
  }
  return result.text;
}

export function createPdfTextReader(overrides: Partial<PdfTextLimits> = {}, workerFile = defaultWorkerFile) {
  const limits = { ...pdfTextLimits, ...overrides };
  const waiting: Job[] = [];
  const runningOf = new Map<string, number>();
  // When each user last got a worker: a free worker goes to the waiting user served longest ago.
  const lastStarted = new Map<string, number>();
  let running = 0;
  let threads = 0;
  let starts = 0;

  const retryAfter = { "Retry-After": String(Math.ceil(limits.timeoutMs / 1000)) };

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
    while (running < limits.maxRunning) {
      const job = next();
      if (!job) return;
      running++;
      runningOf.set(job.userId, (runningOf.get(job.userId) ?? 0) + 1);
      lastStarted.set(job.userId, ++starts);
      run(job);
    }
  }

  function finished(userId: string) {
    running--;
    const left = (runningOf.get(userId) ?? 1) - 1;
    if (left > 0) runningOf.set(userId, left);
    else runningOf.delete(userId);
    if (!runningOf.has(userId) && !waiting.some((j) => j.userId === userId)) lastStarted.delete(userId);
    pump();
  }

  function run(job: Job) {
    // pdf.js takes over the buffer it reads, and the caller still stores these bytes.
    const bytes = new Uint8Array(job.bytes);
    let settled = false;
    let worker: Worker | undefined;
    const settle = (outcome: { text: string } | { error: unknown }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearInterval(watchdog);
      if ("text" in outcome) job.resolve(outcome.text);
      else job.reject(outcome.error);
      // Done, however it ended: nothing of the worker outlives the answer.
      void worker?.terminate();
    };
    try {
      worker = new Worker(workerFile(), {
        name: "pdf-text",
        workerData: { bytes, maxPages: limits.maxPages, maxChars: limits.maxChars },
        transferList: [bytes.buffer],
        // No secrets in a thread that parses hostile input.
        env: {},
        resourceLimits: {
          maxOldGenerationSizeMb: limits.maxOldGenerationMb,
          maxYoungGenerationSizeMb: limits.maxYoungGenerationMb,
        },
      });
    } catch (error) {
      logger.error({ err: error }, "pdf text: could not start a worker");
      job.reject(new ApiError("internal_error", "PDFs cannot be read on this server right now."));
      finished(job.userId);
      return;
    }
    threads++;
    const started = worker;
    const timer = setTimeout(
      () => settle({ error: tooComplex(`its text could not be read within ${limits.timeoutMs / 1000} seconds`) }),
      limits.timeoutMs,
    );
    // Worker#getHeapStatistics exists from Node 22.16; before that, the process's array buffers
    // (every worker's included) are held against the running workers' combined allowance.
    const externalBytes =
      typeof started.getHeapStatistics === "function"
        ? () => started.getHeapStatistics().then((stats) => stats.external_memory)
        : () => Promise.resolve(process.memoryUsage().arrayBuffers / Math.max(1, running));
    const watchdog = setInterval(() => {
      externalBytes().then(
        (bytes) => {
          if (bytes > limits.maxExternalMb * 1024 * 1024)
            settle({ error: tooComplex("reading it needs more memory than allowed") });
        },
        () => {},
      );
    }, limits.watchEveryMs);
    started.on("message", (result: WorkerResult) => {
      settle(result.kind === "text" ? { text: withNote(result, limits) } : { error: unreadable() });
    });
    started.on("error", (error: Error & { code?: string }) => {
      if (error.code === "ERR_WORKER_OUT_OF_MEMORY")
        return settle({ error: tooComplex("reading it needs more memory than allowed") });
      if (
        error.code === "MODULE_NOT_FOUND" ||
        error.code === "ERR_MODULE_NOT_FOUND" ||
        error.code === "ERR_WORKER_PATH"
      ) {
        logger.error({ err: error }, "pdf text: the worker's code is missing from this build");
        return settle({ error: new ApiError("internal_error", "PDFs cannot be read on this server right now.") });
      }
      // pdf.js failing on hostile input is the file's fault, but worth a look.
      logger.warn({ err: error }, "pdf text: the worker failed");
      settle({ error: unreadable() });
    });
    // The slot frees when the thread is gone, not when it is told to go, so at most `maxRunning` ever exist.
    started.once("exit", () => {
      threads--;
      settle({ error: unreadable() });
      finished(job.userId);
    });
  }

  /** The PDF's text, with a note when a limit cut it short; refuses with an ApiError. Queued when every worker is busy. */
  function read(userId: string, bytes: Uint8Array): Promise<string> {
    const mine = (runningOf.get(userId) ?? 0) + waiting.filter((j) => j.userId === userId).length;
    if (mine >= limits.maxPerUser) {
      return Promise.reject(
        new ApiError(
          "rate_limited",
          `At most ${limits.maxPerUser} of your PDFs can be read at once. Try again when they are done.`,
          retryAfter,
        ),
      );
    }
    // Someone with nothing queued is always let in (and served next, see `next`): a few accounts
    // filling the queue with slow files must not shut every other user out.
    if (waiting.length >= limits.maxWaiting && mine > 0) {
      return Promise.reject(
        new ApiError(
          "service_unavailable",
          "Too many PDFs are being read right now. Try again in a few seconds.",
          retryAfter,
        ),
      );
    }
    return new Promise<string>((resolve, reject) => {
      waiting.push({ userId, bytes, resolve, reject });
      pump();
    });
  }

  /** For tests and metrics: files being read, files waiting, worker threads alive. */
  const stats = () => ({ running, waiting: waiting.length, threads });

  return { read, stats, limits };
}

export type PdfTextReader = ReturnType<typeof createPdfTextReader>;

// One queue per process, whichever bundle asks, or the concurrency bound would be per bundle.
const shared = globalThis as { threadkeeperPdfText?: PdfTextReader };
export const pdfText: PdfTextReader = (shared.threadkeeperPdfText ??= createPdfTextReader());
