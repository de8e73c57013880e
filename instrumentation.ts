/** Runs once per server process, before it handles a request (Next.js instrumentation hook). */
export async function register() {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  // Also under the standalone server.js, where next.config.ts's check does not run.
  const { startupProblem } = await import("./lib/startup-checks");
  const problem = startupProblem();
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
  const { installClientAddressStamp } = await import("./lib/client-address");
  const { installRequestObserver } = await import("./lib/request-observer");
  const { installShutdownHandlers } = await import("./lib/shutdown");
  const { startTracing } = await import("./lib/tracing");
  // First: the pg instrumentation must patch the driver before anything loads it.
  await startTracing();
  installClientAddressStamp();
  installRequestObserver();
  installShutdownHandlers();
}
