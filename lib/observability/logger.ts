import pino from "pino";
import pretty from "pino-pretty";
import type { Env } from "@/lib/config/env";

const levels = new Set(["fatal", "error", "warn", "info", "debug", "trace", "silent"]);

/**
 * One JSON line per event (pino). `LOG_LEVEL` (default info); `LOG_FORMAT` json (default in
 * production) or pretty (default in `npm run dev`). Callers pass facts, never a password,
 * cookie, token, API key or message text; the redaction below is a second line of defence.
 */
function createLogger(env: Env = process.env) {
  const level = env.LOG_LEVEL?.trim().toLowerCase() || "info";
  if (!levels.has(level))
    throw new Error(`LOG_LEVEL must be one of ${[...levels].join(", ")}, got "${env.LOG_LEVEL}".`);
  const format = env.LOG_FORMAT?.trim().toLowerCase() || (env.NODE_ENV === "production" ? "json" : "pretty");
  if (format !== "json" && format !== "pretty")
    throw new Error(`LOG_FORMAT must be json or pretty, got "${env.LOG_FORMAT}".`);
  const options: pino.LoggerOptions = {
    level,
    base: { service: "threadkeeper" },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Errors keep their kind, message and stack, but never the parameters of a failed query.
    serializers: { err: safeError },
    redact: {
      paths: [
        "password",
        "*.password",
        "cookie",
        "*.cookie",
        "authorization",
        "*.authorization",
        "token",
        "*.token",
        "apiKey",
        "*.apiKey",
      ],
      censor: "[redacted]",
    },
  };
  return format === "pretty"
    ? pino(options, pretty({ colorize: true, sync: true, singleLine: true, ignore: "pid,hostname,service" }))
    : pino(options, batchedStdout());
}

/**
 * stdout, written in batches: once 4 KiB of lines are waiting, every 100 ms whatever is, and the
 * rest when the process exits (pino flushes its destination on exit, a SIGTERM's included). With
 * pino's default of one write per line, every request paid for a write on libuv's thread pool and
 * a wake-up of whatever reads stdout, on top of the line itself (bench/README.md, the floor). If the
 * reader stops reading, at most 16 MiB wait; lines beyond are dropped rather than held in memory.
 */
const batchedStdout = () =>
  pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100, maxLength: 16 * 1024 * 1024 });

// One per process, whichever bundle asks (instrumentation and route handlers are separate module graphs).
const shared = globalThis as { threadkeeperLogger?: pino.Logger };
export const logger: pino.Logger = (shared.threadkeeperLogger ??= createLogger());

// Drizzle's "Failed query: …\nparams: …" carries the query's values (a session token, an email).
const withoutParams = (text: string) => text.replace(/\nparams:[\s\S]*?(?=\n\s+at |$)/, "\nparams: [left out]");

/** An error as the log keeps it: kind, message and stack without query parameters, and its cause's code. */
function safeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error).slice(0, 200) };
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  return {
    type: error.name,
    message: withoutParams(error.message),
    stack: error.stack ? withoutParams(error.stack) : undefined,
    ...(typeof cause?.code === "string" && { causeCode: cause.code }),
    ...(typeof (error as Error & { code?: unknown }).code === "string" && {
      code: (error as Error & { code: string }).code,
    }),
  };
}

/** better-auth's own log lines, through the app's logger (errors made safe as above; other arguments dropped). */
export function logFromAuth(level: "debug" | "info" | "warn" | "error", message: string, args: unknown[]) {
  const error = args.find((a): a is Error => a instanceof Error);
  logger[level](
    { source: "better-auth", ...(error && { err: error }) },
    message.length > 200 ? `${message.slice(0, 200)}…` : message,
  );
}
