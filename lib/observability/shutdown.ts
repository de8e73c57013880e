import type { Server } from "node:net";
import { logger } from "@/lib/observability/logger";
import { positiveIntFromEnv, type Env } from "@/lib/config/env";

type Work = { stop: () => void; done: Promise<unknown> };

type State = {
  shuttingDown: boolean;
  /** The grace period is over: replies still running are stopped, and so is any registered late. */
  stopping: boolean;
  replies: Set<Work>;
  requests: number;
  closers: (() => Promise<void>)[];
  servers: Set<Server>;
};

// Shared by every bundle of this process (instrumentation installs; route handlers ask and register).
const state = ((globalThis as { threadkeeperShutdown?: State }).threadkeeperShutdown ??= {
  shuttingDown: false,
  stopping: false,
  replies: new Set<Work>(),
  requests: 0,
  closers: [],
  servers: new Set<Server>(),
});

export const isShuttingDown = () => state.shuttingDown;

/** A reply being written: on shutdown it gets the grace period to finish, then `stop()`; `done` settles once it is stored. */
export function trackReply(work: Work) {
  if (state.stopping) work.stop();
  state.replies.add(work);
  const forget = () => void state.replies.delete(work);
  work.done.then(forget, forget);
}

/** Requests being answered (the request observer counts them): shutdown waits for them too. */
export function trackRequest(): () => void {
  state.requests++;
  let done = false;
  return () => {
    if (!done) state.requests--;
    done = true;
  };
}

/**
 * Run last on shutdown, after the replies (the database pool, the trace exporter), in the order
 * registered. `first`: before the others registered so far, for work that still needs them
 * (the project indexer gives its job back through the database pool).
 */
export function onShutdown(close: () => Promise<void>, order: "first" | "last" = "last") {
  if (order === "first") state.closers.unshift(close);
  else state.closers.push(close);
}

export function trackServer(server: Server) {
  state.servers.add(server);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
const within = (ms: number, work: Promise<unknown>) => Promise.race([work, sleep(ms)]);

/**
 * SIGTERM / SIGINT: stop taking new work (/api/ready and /api/chat answer 503 `shutting_down`),
 * give requests and replies in progress SHUTDOWN_GRACE_MS to finish (replies are stored), stop
 * and store the replies still running as incomplete, close the pool, exit 0. A second signal exits
 * at once (1). Next.js's own handlers (which exit at once) are replaced.
 */
export function installShutdownHandlers(env: Env = process.env) {
  const installed = globalThis as { threadkeeperShutdownInstalled?: boolean };
  if (installed.threadkeeperShutdownInstalled) return;
  installed.threadkeeperShutdownInstalled = true;
  const graceMs = positiveIntFromEnv(env, "SHUTDOWN_GRACE_MS", 25_000);
  const busy = () => state.replies.size > 0 || state.requests > 0;
  const shutdown = async (signal: string) => {
    if (state.shuttingDown) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    state.shuttingDown = true;
    const started = Date.now();
    logger.info(
      { signal, repliesInProgress: state.replies.size, requestsInProgress: state.requests, graceMs },
      "shutting down",
    );
    // Still serving during the grace period: /api/ready tells the proxy to stop sending traffic,
    // new chats get 503, and requests and replies in progress go on to their end.
    while (busy() && Date.now() - started < graceMs) await sleep(50);
    if (state.replies.size > 0) {
      logger.warn(
        { stopping: state.replies.size },
        "grace period over: stopping the replies still running; they are stored as incomplete",
      );
      state.stopping = true;
      for (const reply of state.replies) reply.stop();
      await within(10_000, Promise.allSettled([...state.replies].map((r) => r.done)));
    }
    for (const server of state.servers) server.close();
    for (const close of state.closers) {
      await within(5_000, close()).catch((error: unknown) => logger.error({ err: error }, "shutdown step failed"));
    }
    logger.info({ ms: Date.now() - started }, "shut down");
    process.exit(0);
  };
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    for (const listener of process.listeners(signal)) process.removeListener(signal, listener);
    process.on(signal, () => void shutdown(signal));
  }
}
