import { ApiError, errorResponse, toErrorResponse } from "@/lib/http/errors";

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * A browser always sends Origin on a cross-site POST/PATCH/DELETE, and SameSite=Lax cookies do
 * not cover every case (same-site subdomains, top-level POSTs), so state changes must come from
 * this app's own origin. Requests with no Origin are not from a browser page and carry no
 * ambient cookies of a victim.
 */
export function assertSameOrigin(request: Request, env: Readonly<Record<string, string | undefined>> = process.env) {
  if (safeMethods.has(request.method)) return;
  const fetchSite = request.headers.get("sec-fetch-site");
  const origin = request.headers.get("origin");
  if (!origin && fetchSite !== "cross-site") return;
  const allowed = new Set([new URL(request.url).origin]);
  if (env.BETTER_AUTH_URL) allowed.add(new URL(env.BETTER_AUTH_URL).origin);
  if (fetchSite === "cross-site" || !origin || !allowed.has(origin)) {
    throw new ApiError("forbidden", "Cross-site requests are not allowed.");
  }
}

/** Every API route handler goes through this: the origin check, then the one JSON error shape for whatever it throws. */
export function apiRoute<Args extends [Request, ...unknown[]]>(
  handler: (...args: Args) => Promise<Response>,
): (...args: Args) => Promise<Response> {
  return async (...args) => {
    try {
      assertSameOrigin(args[0]);
      return await handler(...args);
    } catch (error) {
      return toErrorResponse(error);
    }
  };
}

/** For the methods a route does not have: Next would answer 405 with an empty body; this keeps the JSON shape. */
export function methodNotAllowed(...allowed: string[]) {
  return async () =>
    errorResponse(new ApiError("method_not_allowed", `Use ${allowed.join(" or ")} here.`, { Allow: allowed.join(", ") }));
}
