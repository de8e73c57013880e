import { AsyncLocalStorage } from "node:async_hooks";

/** What the server knows of the request being handled, for its log line, metrics and error bodies. */
export type RequestContext = { requestId: string; userId?: string };

// One store per process: the request hook (instrumentation) and the route handlers are separate bundles.
const shared = globalThis as { threadkeeperRequests?: AsyncLocalStorage<RequestContext> };
export const requestStore: AsyncLocalStorage<RequestContext> = (shared.threadkeeperRequests ??=
  new AsyncLocalStorage<RequestContext>());

export const currentRequest = (): RequestContext | undefined => requestStore.getStore();

/** The signed-in user, for the request's log line (set where the session is read). */
export function noteUser(userId: string) {
  const context = requestStore.getStore();
  if (context) context.userId = userId;
}
