import "server-only";
import { randomUUID } from "node:crypto";
import { mkdtemp, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "node:worker_threads";
import { ApiError } from "@/lib/http/errors";
import { logger } from "@/lib/observability/logger";
import { trackReply } from "@/lib/observability/shutdown";
import { importRunLimits, readImportLimits } from "@/lib/import/limits";
import { importStore, ImportTakenOver, type ImportStore } from "@/lib/import/store";
import { receiveMultipartFile } from "@/lib/import/upload";
import type { ImportedConversation, ImportLimits } from "@/lib/import/conversation.mjs";

/**
 * "Import conversations": a ChatGPT or Claude export becomes the importer's own personal threads.
 *
 * The upload is streamed to a temporary file (never held in memory), then a worker thread
 * (lib/import/parse-worker.mjs) reads it twice, one conversation at a time. Pass 1 maps every
 * conversation and writes nothing: a malformed file or a conversation over a limit is refused
 * with a 4xx naming it. Pass 2 hands the conversations over in batches, each written in one
 * transaction; if any write fails (or the server shuts down), every thread the import wrote is
 * deleted again, so nothing is ever half-imported. The temporary file is always deleted.
 */

/** What the progress stream says, one JSON object per line, after the file was found valid. */
export type ImportEvent =
  | { type: "started"; total: number; empty: number }
  | { type: "progress"; imported: number; total: number }
  | { type: "done"; imported: number; empty: number }
  | { type: "error"; error: { code: string; message: string } };

type WorkerMessage =
  | { type: "valid"; conversations: number; empty: number; messages: number }
  | { type: "invalid"; code: "bad_request" | "payload_too_large"; message: string }
  | { type: "batch"; conversations: ImportedConversation[] }
  | { type: "done" };

export const defaultWorkerFile = () =>
  path.join(/* turbopackIgnore: true */ process.cwd(), "lib", "import", "parse-worker.mjs");

/** A running import's worker, as messages in order (an error or an early exit ends the sequence with a throw). */
function startWorker(file: string, workerFile: string, limits: ImportLimits, run: typeof importRunLimits) {
  const worker = new Worker(workerFile, {
    name: "conversation-import",
    workerData: {
      path: file,
      limits,
      batchConversations: run.batchConversations,
      batchMessages: run.batchMessages,
      batchBytes: run.batchBytes,
    },
    // No secrets in a thread that parses hostile input.
    env: {},
    resourceLimits: {
      maxOldGenerationSizeMb: run.maxOldGenerationMb,
      maxYoungGenerationSizeMb: run.maxYoungGenerationMb,
    },
  });
  const queue: WorkerMessage[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let failure: unknown = null;
  let wake: (() => void) | null = null;
  const notify = () => {
    wake?.();
    wake = null;
  };
  worker.on("message", (message: WorkerMessage) => {
    queue.push(message);
    notify();
  });
  worker.on("error", (error: Error & { code?: string }) => {
    failure =
      error.code === "ERR_WORKER_OUT_OF_MEMORY"
        ? new ApiError("payload_too_large", "Reading this file needs more memory than one import may use.")
        : error;
    notify();
  });
  worker.on("exit", () => {
    failure ??= new Error("the import worker stopped");
    notify();
  });
  return {
    async next(): Promise<WorkerMessage> {
      for (;;) {
        const message = queue.shift();
        if (message) return message;
        if (failure) throw failure;
        await new Promise<void>((resolve) => (wake = resolve));
      }
    },
    send: (message: { type: "import" | "next" | "stop" }) => worker.postMessage(message),
    /** A wall-clock limit: past `ms`, the worker is stopped and `next` throws `error`. Returns what cancels it. */
    limit(ms: number, error: ApiError): () => void {
      const timer = setTimeout(() => {
        timers.delete(timer);
        failure = error;
        queue.length = 0;
        notify();
        void worker.terminate();
      }, ms);
      timers.add(timer);
      return () => {
        clearTimeout(timer);
        timers.delete(timer);
      };
    },
    stop: () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return worker.terminate();
    },
  };
}

export function createImporter(
  store: ImportStore = importStore,
  limits: ImportLimits = readImportLimits(),
  overrides: Partial<typeof importRunLimits> = {},
  workerFile: () => string = defaultWorkerFile,
) {
  const runLimits = { ...importRunLimits, ...overrides };
  let running = 0;

  /**
   * Takes the caller's upload and checks it (pass 1): its counts and `run`, which writes it and
   * reports through `emit` (pass 2), or throws the 4xx to answer, nothing written. Holds the
   * caller's import (409 for a second one) from before the body is read, and one of this
   * process's slots (503 past `maxRunning`) once it is, until `run` ends or this throws.
   */
  async function prepareForUser(userId: string, request: Request) {
    // Checked before the upload (no need to send a file that would wait) and again after it: the
    // slot is taken only for the worker and the writes, so slow uploads hold none.
    const busy = () =>
      new ApiError("service_unavailable", "Too many imports are running right now. Try again in a minute.", {
        "Retry-After": "60",
      });
    if (running >= runLimits.maxRunning) throw busy();
    let slot = false;
    let importId: string | null = null;
    let directory: string | null = null;
    let worker: ReturnType<typeof startWorker> | null = null;
    let heartbeat: NodeJS.Timeout | undefined;
    const release = async (outcome: "rolled back" | "finished") => {
      try {
        clearInterval(heartbeat);
        await worker?.stop();
        if (directory) await rm(directory, { recursive: true, force: true }).catch(() => {});
        if (importId) {
          if (outcome === "finished") await store.finishForUser(userId, importId);
          else await store.rollbackForUser(userId, importId);
        }
      } finally {
        if (slot) running--;
        slot = false;
      }
    };
    try {
      importId = await store.beginForUser(userId);
      const id = importId;
      heartbeat = setInterval(() => void store.heartbeatForUser(userId, id).catch(() => {}), runLimits.heartbeatMs);
      directory = await mkdtemp(path.join(tmpdir(), "threadkeeper-import-"));
      const file = path.join(directory, "export");
      const handle = await open(file, "wx", 0o600);
      try {
        await receiveMultipartFile(request, handle, limits.maxBytes, runLimits.uploadIdleMs);
      } finally {
        await handle.close();
      }
      if (running >= runLimits.maxRunning) throw busy();
      running++;
      slot = true;
      worker = startWorker(file, workerFile(), limits, runLimits);
      worker.limit(
        runLimits.maxImportSeconds * 1000,
        new ApiError("payload_too_large", "This import took too long and was stopped; nothing was imported."),
      );
      const checking = worker.limit(
        runLimits.maxCheckSeconds * 1000,
        new ApiError(
          "payload_too_large",
          "Reading this file takes longer than one import may. Upload a smaller export.",
        ),
      );
      const checked = await worker.next();
      checking();
      if (checked.type === "invalid") throw new ApiError(checked.code, checked.message);
      if (checked.type !== "valid") throw new Error(`unexpected message from the import worker: ${checked.type}`);
      return {
        counts: checked,
        run: (emit: (event: ImportEvent) => void) => write(userId, id, worker!, checked, emit, release),
      };
    } catch (error) {
      await release("rolled back").catch((e: unknown) => logger.error({ err: e }, "import: could not clean up"));
      if (error instanceof ApiError) throw error;
      logger.error({ err: error }, "import: the file could not be read");
      throw new ApiError("internal_error", "The file could not be read on this server right now.");
    }
  }

  /** Pass 2: batch after batch, each in one transaction; any failure deletes everything written. */
  async function write(
    userId: string,
    importId: string,
    worker: ReturnType<typeof startWorker>,
    counts: { conversations: number; empty: number },
    emit: (event: ImportEvent) => void,
    release: (outcome: "rolled back" | "finished") => Promise<void>,
  ): Promise<void> {
    let stopped = false;
    const work = (async () => {
      let imported = 0;
      try {
        emit({ type: "started", total: counts.conversations, empty: counts.empty });
        worker.send({ type: "import" });
        for (;;) {
          const message = await worker.next();
          if (message.type === "done") break;
          if (message.type === "invalid") throw new ApiError(message.code, message.message);
          if (message.type !== "batch") throw new Error(`unexpected message from the import worker: ${message.type}`);
          if (stopped) throw new ApiError("shutting_down", "The server is restarting. Import the file again.");
          await store.insertBatchForUser(
            userId,
            importId,
            message.conversations.map((c) => ({ ...c, threadId: randomUUID() })),
          );
          imported += message.conversations.length;
          emit({ type: "progress", imported, total: counts.conversations });
          worker.send({ type: "next" });
        }
        await release("finished");
        emit({ type: "done", imported, empty: counts.empty });
      } catch (error) {
        const known =
          error instanceof ApiError
            ? error
            : error instanceof ImportTakenOver
              ? new ApiError("conflict", "This import was interrupted. Import the file again.")
              : null;
        if (!known) logger.error({ err: error, imported }, "import: writing the conversations failed");
        await release("rolled back").catch((e: unknown) => logger.error({ err: e }, "import: could not roll back"));
        const shown = known ?? new ApiError("internal_error", "The import failed; nothing was imported. Try again.");
        emit({ type: "error", error: { code: shown.code, message: shown.message } });
      }
    })();
    // On shutdown the import gets the grace period, then stops and is undone.
    trackReply({ stop: () => void (stopped = true), done: work });
    return work;
  }

  return { prepareForUser, stats: () => ({ running }) };
}

// One count of running imports per process, whichever bundle asks.
const shared = globalThis as { threadkeeperImporter?: ReturnType<typeof createImporter> };
export const importer = (shared.threadkeeperImporter ??= createImporter());
