import type { Env } from "@/lib/config/env";
import { logger } from "@/lib/observability/logger";
import { onShutdown } from "@/lib/observability/shutdown";

type ExportedSpan = { name: string; attributes: Record<string, unknown> };
type Exporter = {
  export: (spans: ExportedSpan[], done: (result: unknown) => void) => void;
  shutdown: () => Promise<void>;
  forceFlush?: () => Promise<void>;
};

// Query strings carry invitation and reset tokens, OAuth codes and search text: never exported.
const withoutQuery = (value: unknown) => (typeof value === "string" ? value.replace(/\?.*$/s, "") : value);
const urlAttributes = ["http.target", "http.url", "url.full", "url.query", "http.route"];

/** Spans as exported: names and URL attributes without their query string (read-only spans are wrapped, not changed). */
function scrubbing(inner: Exporter): Exporter {
  const scrub = (span: ExportedSpan): ExportedSpan => {
    const attributes = { ...span.attributes };
    for (const key of urlAttributes)
      if (key in attributes) attributes[key] = key === "url.query" ? "" : withoutQuery(attributes[key]);
    return Object.create(span, {
      name: { value: withoutQuery(span.name) },
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
