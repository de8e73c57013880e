import pino from "pino";
import pretty from "pino-pretty";
import type { Env } from "./env";

const levels = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/**
 * One JSON line per event (pino). `LOG_LEVEL` (default info); `LOG_FORMAT` json (default in
 * production) or pretty (default in `npm run dev`). Callers pass facts, never a password,
 * cookie, token, API key or message text; the redaction below is a second line of defence.
 */
export function createLogger(env: Env = process.env) {
  const level = env.LOG_LEVEL?.trim().toLowerCase() || "info";
  if (!levels.has(level)) throw new Error(`LOG_LEVEL must be one of ${[...levels].join(", ")}, got "${env.LOG_LEVEL}".`);
  const format = env.LOG_FORMAT?.trim().toLowerCase() || (env.NODE_ENV === "production" ? "json" : "pretty");
  if (format !== "json" && format !== "pretty") throw new Error(`LOG_FORMAT must be json or pretty, got "${env.LOG_FORMAT}".`);
  const options: pino.LoggerOptions = {
    level,
    base: { service: "threadkeeper" },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ["password", "*.password", "cookie", "*.cookie", "authorization", "*.authorization", "token", "*.token", "apiKey", "*.apiKey"], censor: "[redacted]" },
  };
  return format === "pretty" ? pino(options, pretty({ colorize: true, sync: true, singleLine: true, ignore: "pid,hostname,service" })) : pino(options);
}

// One per process, whichever bundle asks (instrumentation and route handlers are separate module graphs).
const shared = globalThis as { threadkeeperLogger?: pino.Logger };
export const logger: pino.Logger = (shared.threadkeeperLogger ??= createLogger());
