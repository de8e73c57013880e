import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { Server } from "node:net";
import { logger } from "@/lib/observability/logger";
import { metrics } from "@/lib/observability/metrics";
import { requestStore, type RequestContext } from "@/lib/observability/request-context";
import { routePatternOf } from "@/lib/observability/route-pattern";
import { trackRequest, trackServer } from "@/lib/observability/shutdown";

const REQUEST_ID_HEADER = "x-request-id";
// An id a proxy set is kept only if it is plain: it goes into logs and response headers.
const acceptableId = /^[\w.:-]{1,128}$/;

/**
 * Every HTTP request, pages and API alike: an `X-Request-Id` (the proxy's, or a new one) on the
 * request and the response, the request's context for the code that handles it, and when the
 * response ends, one log line and the request metrics. Installed once per process by
 * `instrumentation.ts`, on the same `net.Server` hook as the client address.
 */
export function installRequestObserver(): void {
  const state = globalThis as { threadkeeperObserverInstalled?: boolean };
  if (state.threadkeeperObserverInstalled) return;
  state.threadkeeperObserverInstalled = true;
  const emit = Server.prototype.emit as (this: Server, event: string | symbol, ...args: unknown[]) => boolean;
  Server.prototype.emit = function (this: Server, event: string | symbol, ...args: unknown[]) {
    if (event !== "request") return emit.call(this, event, ...args);
    trackServer(this);
    const request = args[0] as IncomingMessage;
    const response = args[1] as ServerResponse;
    const given = request.headers[REQUEST_ID_HEADER];
    const requestId = typeof given === "string" && acceptableId.test(given) ? given : randomUUID();
    request.headers[REQUEST_ID_HEADER] = requestId;
    response.setHeader("X-Request-Id", requestId);
    const context: RequestContext = { requestId };
    const started = process.hrtime.bigint();
    const finished = trackRequest();
    response.once("close", () => {
      finished();
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const url = request.url ?? "/";
      const query = url.indexOf("?");
      const route = routePatternOf(query === -1 ? url : url.slice(0, query));
      const status = response.statusCode;
      const labels = { method: request.method ?? "GET", route, status: String(status) };
      metrics.requests.inc(labels);
      metrics.requestSeconds.observe(labels, seconds);
      if (route === "/_next/*") return;
      const line = {
        requestId,
        method: labels.method,
        route,
        status,
        durationMs: Math.round(seconds * 10_000) / 10,
        userId: context.userId,
        aborted: !response.writableFinished || undefined,
      };
      if (status >= 500) logger.error(line, "request");
      else logger.info(line, "request");
    });
    return requestStore.run(context, () => emit.call(this, event, ...args));
  } as typeof Server.prototype.emit;
}
