import type { Env } from "./env";
import { logger } from "./logger";
import { onShutdown } from "./shutdown";

/**
 * OpenTelemetry traces, configured only by the standard OTEL_* variables (endpoint, service name,
 * headers, sampler): route handler spans (Next.js makes them once a tracer provider exists),
 * PostgreSQL query spans, and the model call (app/api/chat). Without an OTLP endpoint nothing is
 * loaded or exported.
 */
export async function startTracing(env: Env = process.env): Promise<boolean> {
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT && !env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) return false;
  const [{ NodeSDK }, { OTLPTraceExporter }, { PgInstrumentation }] = await Promise.all([
    import("@opentelemetry/sdk-node"),
    import("@opentelemetry/exporter-trace-otlp-http"),
    import("@opentelemetry/instrumentation-pg"),
  ]);
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME || "threadkeeper",
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [new PgInstrumentation({ enhancedDatabaseReporting: false })],
  });
  sdk.start();
  // Last spans out before the process exits.
  onShutdown(() => sdk.shutdown());
  logger.info({ endpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT }, "tracing on");
  return true;
}
