/** Runs once per server process, before it handles a request (Next.js instrumentation hook). */
export async function register() {
  // The Node-only start-up lives in its own module, so the Edge bundle of this hook imports none of it.
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { registerNodeServer } = await import("./instrumentation-node");
    await registerNodeServer();
  }
}
