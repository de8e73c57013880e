import { exitOnStartupProblem } from "./lib/config/startup-checks";
import { installClientAddressStamp } from "./lib/http/client-address";
import { logger } from "./lib/observability/logger";
import { installRequestObserver } from "./lib/observability/request-log";
import { installShutdownHandlers, onShutdown } from "./lib/observability/shutdown";
import { startTracing } from "./lib/observability/tracing";

/** The server's start-up (instrumentation.ts calls it in the Node.js runtime only). */
export async function registerNodeServer() {
  // Also under the standalone server.js, where next.config.ts's check does not run.
  exitOnStartupProblem();
  // First: the pg instrumentation must patch the driver before anything loads it.
  await startTracing();
  installClientAddressStamp();
  installRequestObserver();
  installShutdownHandlers();
  await startProjectIndexer();
  if (process.env.NODE_ENV === "development" && process.env.DEV_PREWARM !== "0") {
    const origin = process.env.__NEXT_PRIVATE_ORIGIN || `http://localhost:${process.env.PORT || 3000}`;
    const { prewarmFirstVisit } = await import("./lib/http/dev-prewarm");
    void prewarmFirstVisit(origin);
  }
}

/**
 * Project files are indexed in the background by every instance (lib/projects/indexer.ts); on
 * shutdown the indexer stops first, giving its job back while the database is still open.
 */
async function startProjectIndexer() {
  // Imported after startTracing: it loads the database driver.
  const { projectIndexer } = await import("./lib/projects/indexer");
  if (process.env.OPENAI_EMBEDDING_MODEL && !process.env.OPENAI_BASE_URL && !process.env.OPENAI_API_KEY) {
    logger.warn(
      "OPENAI_EMBEDDING_MODEL is ignored: no OPENAI_BASE_URL or OPENAI_API_KEY, so there is no server to ask (full-text retrieval only)",
    );
  }
  onShutdown(() => projectIndexer.stop(), "first");
  projectIndexer.start();
}
