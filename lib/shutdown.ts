import type { Server } from "node:net";
import { logger } from "./logger";
import { positiveIntFromEnv, type Env } from "./env";

type Work = { stop: () => void; done: Promise<unknown> };

// Shared by every bundle of this process (instrumentation installs; route handlers ask and register).
const state = ((globalThis as { threadkeeperShutdown?: unknown }).threadkeeperShutdown ??= {
  shuttingDown: false,
  replies: new Set<Work>(),
  closers: [] as (() => Promise<void>)[],
  servers: new Set<Server>(),
}) as { shuttingDown: boolean; replies: Set<Work>; closers: (() => Promise<void>)[]; servers: Set<Server> };

export const isShuttingDown = () => state.shuttingDown;

/** A reply being written: on shutdown it gets the grace period to finish, then `stop()`; `done` settles once it is stored. */
export function trackReply(work: Work) {
  state.replies.add(work);
  void work.done.finally(() => state.replies.delete(work));
}

/** Run last on shutdown, after the replies (the database pool). */
export function onShutdown(close: () => Promise<void>) {
  state.closers.push(close);
}

export function trackServer(server: Server) {
  state.servers.add(server);
}

const settled = (promises: Promise<unknown>[]) => Promise.allSettled(promises);

/**
 * SIGTERM / SIGINT: stop taking new work (/api/ready and /api/chat answer 503 `shutting_down`),
 * give replies in progress SHUTDOWN_GRACE_MS to finish and be stored, stop and store the rest as
 * incomplete, close the pool, exit 0. Next.js's own handlers (which exit at once) are replaced.
 */
export function installShutdownHandlers(env: Env = process.env) {
  const installed = globalThis as { threadkeeperShutdownInstalled?: boolean };
  if (installed.threadkeeperShutdownInstalled) return;
  installed.threadkeeperShutdownInstalled = true;
  const graceMs = positiveIntFromEnv(env, "SHUTDOWN_GRACE_MS", 25_000);
  const shutdown = async (signal: string) => {
    if (state.shuttingDown) return;
    state.shuttingDown = true;
    const started = Date.now();
    logger.info({ signal, repliesInProgress: state.replies.size, graceMs }, "shutting down");
    // Still serving during the grace period: /api/ready tells the proxy to stop sending traffic,
    // new chats get 503, and the replies in progress stream on to the browsers that asked.
    const all = () => settled([...state.replies].map((r) => r.done));
    const inTime = await Promise.race([all().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), graceMs).unref())]);
    if (!inTime) {
      logger.warn({ stopping: state.replies.size }, "grace period over: stopping the replies still running; they are stored as incomplete");
      for (const reply of state.replies) reply.stop();
      await Promise.race([all(), new Promise((r) => setTimeout(r, 10_000).unref())]);
    }
    for (const server of state.servers) server.close();
    for (const close of state.closers) await close().catch((error: unknown) => logger.error({ err: error }, "shutdown step failed"));
    logger.info({ ms: Date.now() - started }, "shut down");
    process.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    for (const listener of process.listeners(signal)) process.removeListener(signal, listener);
    process.on(signal, () => void shutdown(signal));
  }
}
