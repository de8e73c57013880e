import { isDatabaseNotMigrated } from "@/db/connect";
import { logger } from "@/lib/observability/logger";
import { currentRequest } from "@/lib/observability/request-context";

export type ApiErrorCode =
  | "bad_request"
  | "unauthorized"
  | "forbidden"
  | "pending_approval"
  | "email_not_verified"
  | "not_found"
  | "method_not_allowed"
  | "conflict"
  | "last_admin"
  | "last_owner"
  | "invitation_unavailable"
  | "payload_too_large"
  | "unsupported_media_type"
  | "pdf_too_complex"
  | "request_timeout"
  | "rate_limited"
  | "quota_exceeded"
  | "database_not_migrated"
  | "database_unavailable"
  | "service_unavailable"
  | "shutting_down"
  | "internal_error";

const statusOf: Record<ApiErrorCode, number> = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  pending_approval: 403,
  email_not_verified: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  last_admin: 409,
  last_owner: 409,
  invitation_unavailable: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  pdf_too_complex: 422,
  request_timeout: 408,
  rate_limited: 429,
  quota_exceeded: 429,
  database_not_migrated: 503,
  database_unavailable: 503,
  service_unavailable: 503,
  shutting_down: 503,
  internal_error: 500,
};

/**
 * Marks an ApiError whichever copy of this module made it. Next.js bundles instrumentation.ts
 * apart from the routes, so a module it loads first and shares through globalThis (the PDF
 * reader, which the project indexer starts) throws the other bundle's ApiError; `instanceof`
 * goes by this mark, so such an error is still the 4xx it says, never a 500.
 */
const apiErrorMark = Symbol.for("threadkeeper.ApiError");

/** The one error every API route throws or returns; `toErrorResponse` turns it into JSON. */
export class ApiError extends Error {
  readonly [apiErrorMark] = true;

  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** ApiError itself by the mark (any copy); its subclasses as usual, by their prototype. */
  static [Symbol.hasInstance](value: unknown): boolean {
    if (this !== ApiError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return (
      typeof value === "object" && value !== null && (value as { [apiErrorMark]?: unknown })[apiErrorMark] === true
    );
  }

  get status() {
    return statusOf[this.code];
  }
}

export const notFound = (what = "Thread") => new ApiError("not_found", `${what} not found.`);

/**
 * A refusal from a better-auth endpoint called on the server (`auth.api.*`), in this API's shape:
 * its own message, with the status it meant. Anything that is not a refusal is rethrown.
 */
export function fromAuthRefusal(error: unknown): never {
  const refusal = error as { statusCode?: unknown; body?: { code?: unknown; message?: unknown } } | null;
  const status = refusal?.statusCode;
  const message = refusal?.body?.message;
  if (typeof status !== "number" || status >= 500 || typeof message !== "string") throw error;
  if (refusal?.body?.code === "LAST_ADMIN") throw new ApiError("last_admin", message);
  throw new ApiError(
    status === 401 ? "unauthorized" : status === 403 ? "forbidden" : status === 404 ? "not_found" : "bad_request",
    message,
  );
}

/** The one error body: code, message and the request's id, which a person can quote in a report. */
export function errorResponse(error: ApiError): Response {
  const requestId = currentRequest()?.requestId;
  return Response.json(
    { error: { code: error.code, message: error.message, ...(requestId && { requestId }) } },
    { status: error.status, headers: error.headers },
  );
}

// Connection failures from node-postgres / the OS while the database is unreachable.
const unavailableCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "57P01", "57P03", "08006", "08001"]);

/** Drizzle wraps driver errors (`cause`), so the connection error code may sit a level or two down. */
function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && unavailableCodes.has(code)) return true;
  }
  return false;
}

export function toErrorResponse(error: unknown): Response {
  if (error instanceof ApiError) return errorResponse(error);
  if (isDatabaseNotMigrated(error)) {
    logger.error({ requestId: currentRequest()?.requestId, err: error }, "database not migrated");
    return errorResponse(new ApiError("database_not_migrated", error.message));
  }
  if (isDatabaseUnavailable(error)) {
    return errorResponse(new ApiError("database_unavailable", "The database is unavailable. Try again shortly."));
  }
  logger.error({ requestId: currentRequest()?.requestId, err: error }, "unhandled error");
  return errorResponse(new ApiError("internal_error", "Something went wrong on the server."));
}
