import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

function createMetrics() {
  const registry = new Registry();
  // Process memory, CPU, and event-loop delay (nodejs_eventloop_lag_*), as prom-client measures them.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const metrics = {
    registry,
    requests: new Counter({
      name: "http_requests_total",
      help: "HTTP requests by method, route and status.",
      labelNames: ["method", "route", "status"],
      registers,
    }),
    requestSeconds: new Histogram({
      name: "http_request_duration_seconds",
      help: "Time to the end of the response, by method, route and status (a streamed reply counts to its end).",
      labelNames: ["method", "route", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    streams: new Gauge({
      name: "chat_streams_in_progress",
      help: "Model replies being written by this instance.",
      registers,
    }),
    turns: new Counter({
      name: "chat_turns_total",
      help: "Chat turns by outcome (complete, stopped, error, incomplete).",
      labelNames: ["outcome"],
      registers,
    }),
    tokens: new Counter({
      name: "chat_tokens_total",
      help: "Tokens the provider reported, by model and kind (input, output).",
      labelNames: ["model", "kind"],
      registers,
    }),
    firstTokenSeconds: new Histogram({
      name: "chat_time_to_first_token_seconds",
      help: "From the model call to its first streamed part.",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    toolCalls: new Counter({
      name: "tool_calls_total",
      help: "MCP tool calls by server, tool and outcome (allowed, denied, failed, timed_out, stopped).",
      labelNames: ["server", "tool", "outcome"],
      registers,
    }),
    toolCallSeconds: new Histogram({
      name: "tool_call_duration_seconds",
      help: "Time an MCP server took for a tool call (connect + call; the wait for the person's approval excluded).",
      labelNames: ["server", "tool"],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    projectIndexJobs: new Counter({
      name: "project_index_jobs_total",
      help: "Project file indexing attempts by outcome (indexed, failed, retry, deferred, abandoned).",
      labelNames: ["outcome"],
      registers,
    }),
  };
  return metrics;
}

// One registry per process: the request hook (instrumentation) and the route handlers are separate bundles.
const shared = globalThis as { threadkeeperMetrics?: ReturnType<typeof createMetrics> };
export const metrics = (shared.threadkeeperMetrics ??= createMetrics());

/** The database pool, read when metrics are scraped (db/connect registers it). */
export function watchPool(pool: { totalCount: number; idleCount: number; waitingCount: number }) {
  if (metrics.registry.getSingleMetric("db_pool_connections")) return;
  new Gauge({
    name: "db_pool_connections",
    help: "PostgreSQL pool connections by state (in_use, idle, waiting requests).",
    labelNames: ["state"],
    registers: [metrics.registry],
    collect() {
      this.set({ state: "in_use" }, pool.totalCount - pool.idleCount);
      this.set({ state: "idle" }, pool.idleCount);
      this.set({ state: "waiting" }, pool.waitingCount);
    },
  });
}
