import { logger } from "@/lib/observability/logger";

/**
 * The routes a first visit meets, in the order it meets them: sign-in, sign-up, the chat, then the
 * calls the first message makes (the reply's route first: it is the slowest to compile). Ids are
 * placeholders: every request is refused before one is read.
 */
const firstVisit: [method: "GET" | "POST", path: string][] = [
  ["GET", "/sign-in"],
  ["GET", "/sign-up"],
  ["GET", "/"],
  ["POST", "/api/chat"],
  ["POST", "/api/threads/prewarm/messages"],
  ["POST", "/api/threads/prewarm/title"],
  ["GET", "/api/threads/prewarm"],
  ["GET", "/api/threads/prewarm/link"],
  ["GET", "/api/threads/prewarm/instructions"],
];

/**
 * `next dev` compiles a route on its first request: on 2 cores a new person waited about 30 s for `/`
 * after signing up, and as long again for the first reply. Right after start-up the development
 * server asks for the routes of a first visit itself, one at a time, so most are compiled before
 * the browser asks for them (a request for a route being compiled waits for that same compilation).
 *
 * The requests carry no session and change nothing: pages redirect to /sign-in and API routes
 * answer 401. `/` gets a placeholder session cookie, past proxy.ts's optimistic check (a cookie is
 * there), so that the page itself is compiled before its own session check sends it away.
 * Development only (instrumentation-node.ts); DEV_PREWARM=0 turns it off.
 */
export async function prewarmFirstVisit(origin: string) {
  const started = Date.now();
  for (const [method, path] of firstVisit) {
    for (let attempt = 0; ; attempt++) {
      try {
        const response = await fetch(new URL(path, origin), {
          method,
          redirect: "manual",
          headers: { cookie: "better-auth.session_token=prewarm", origin },
          signal: AbortSignal.timeout(300_000),
        });
        await response.arrayBuffer();
        break;
      } catch (error) {
        // The server may not listen yet (instrumentation runs first); anything else, give up quietly.
        if (attempt >= 20) {
          logger.debug({ err: error, path }, "dev prewarm stopped");
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }
  logger.info(
    { routes: firstVisit.length, durationMs: Date.now() - started },
    "dev prewarm: first-visit routes compiled",
  );
}
