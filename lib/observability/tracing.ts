import type { Env } from "@/lib/config/env";
import { logger } from "@/lib/observability/logger";
import { onShutdown } from "@/lib/observability/shutdown";
import { routePatternOf } from "@/lib/observability/route-pattern";

type ExportedSpan = { name: string; attributes: Record<string, unknown> };
type Exporter = {
  export: (spans: ExportedSpan[], done: (result: unknown) => void) => void;
  shutdown: () => Promise<void>;
  forceFlush?: () => Promise<void>;
};

// Query strings carry invitation and reset tokens, OAuth codes and search text, and paths carry
// share tokens and invitation ids (`/s/TOKEN`, `/invite/ID`): a path is exported only as its route
// pattern (lib/observability/route-pattern.ts, as in the request log), never as sent.
const withoutQuery = (value: string) => value.replace(/\?.*$/s, "");
const asPattern = (path: string) => routePatternOf(withoutQuery(path));
function scrubUrl(value: unknown): unknown {
  if (typeof value !== "string") return value;
  if (value.startsWith("/")) return asPattern(value);
  try {
    const url = new URL(value);
    return `${url.origin}${asPattern(url.pathname)}`;
  } catch {
    return withoutQuery(value);
  }
}
// http.route is Next's own pattern (`/s/[token]`): only its query, if ever, goes.
const urlAttributes = ["http.target", "http.url", "url.full", "url.path"];
// Next names spans "GET /the/path" (the path as requested) or "GET /s/[token]" (the route).
const scrubName = (name: string) =>
  name.replace(/^([A-Z]+ )(\/\S*)$/, (_, method: string, path: string) =>
    path.includes("[") ? method + withoutQuery(path) : method + asPattern(path),
  );

/** Spans as exported: names and URL attributes as route patterns (read-only spans are wrapped, not changed). */
function scrubbing(inner: Exporter): Exporter {
  const scrub = (span: ExportedSpan): ExportedSpan => {
    const attributes = { ...span.attributes };
    for (const key of urlAttributes) if (key in attributes) attributes[key] = scrubUrl(attributes[key]);
    if ("url.query" in attributes) attributes["url.query"] = "";
    if (typeof attributes["http.route"] === "string") attributes["http.route"] = withoutQuery(attributes["http.route"]);
    return Object.create(span, {
      name: { value: scrubName(withoutQuery(span.name)) },
      attributes: { value: attributes },
    }) as ExportedSpan;
  };
  return {
    export: (spans, done) => inner.export(spans.map(scrub), done),
    shutdown: () => inner.shutdown(),
    forceFlush: () => inner.forceFlush?.() ?? Promise.resolve(),
  };
}

/**
 * OpenTelemetry traces, configured only by the standard OTEL_* variables (endpoint, service name,
 * headers, sampler): route handler spans (Next.js makes them once a tracer provider exists),
 * PostgreSQL query spans, and the model call (lib/chat/turn.ts). Without an OTLP endpoint nothing is
 * loaded or exported.
 */
export async function startTracing(env: Env = process.env): Promise<boolean> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return false;
  const started = globalThis as { threadkeeperTracing?: boolean };
  if (started.threadkeeperTracing) return true;
  started.threadkeeperTracing = true;
  const [{ NodeSDK }, { OTLPTraceExporter }, { PgInstrumentation }] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/instrumentation-pg"),
  ]);
  type SdkExporter = NonNullable<ConstructorParameters<typeof NodeSDK>[0]>["traceExporter"];
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || "threadkeeper",
    traceExporter: scrubbing(new OTLPTraceExporter() as unknown as Exporter) as unknown as SdkExporter,
    instrumentations: [new PgInstrumentation({ enhancedDatabaseReporting: false })],
  });
  sdk.start();
  // Last spans out before the process exits.
  onShutdown(() => sdk.shutdown());
  logger.info({ endpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT }, "tracing on");
  return true;
}
