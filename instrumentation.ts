/** Runs once per server process, before it handles a request (Next.js instrumentation hook). */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // Also under the standalone server.js, where next.config.ts's check does not run.
  const { exitOnStartupProblem } = await import("./lib/config/startup-checks");
  exitOnStartupProblem();
  const { installClientAddressStamp } = await import("./lib/http/client-address");
  const { installRequestObserver } = await import("./lib/observability/request-log");
  const { installShutdownHandlers } = await import("./lib/observability/shutdown");
  const { startTracing } = await import("./lib/observability/tracing");
  // First: the pg instrumentation must patch the driver before anything loads it.
  await startTracing();
  installClientAddressStamp();
  installRequestObserver();
  installShutdownHandlers();
  await startProjectIndexer();
}

/**
 * Project files are indexed in the background by every instance (lib/projects/indexer.ts); on
 * shutdown the indexer stops first, giving its job back while the database is still open.
 */
async function startProjectIndexer() {
  const { projectIndexer } = await import("./lib/projects/indexer");
  const { onShutdown } = await import("./lib/observability/shutdown");
  const { logger } = await import("./lib/observability/logger");
  if (process.env.OPENAI_EMBEDDING_MODEL && !process.env.OPENAI_BASE_URL && !process.env.OPENAI_API_KEY) {
    logger.warn(
      "OPENAI_EMBEDDING_MODEL is ignored: no OPENAI_BASE_URL or OPENAI_API_KEY, so there is no server to ask (full-text retrieval only)",
    );
  }
  onShutdown(() => projectIndexer.stop(), "first");
  projectIndexer.start();
}
