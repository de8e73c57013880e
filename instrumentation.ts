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
}
