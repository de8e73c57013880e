import { ApiError, errorResponse, toErrorResponse } from "@/lib/http/errors";
import { appOrigins } from "@/lib/http/app-origins";
import { resolveCaller, type Caller } from "@/lib/http/caller";

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
  // A page sent with `Referrer-Policy: no-referrer` (the share pages) makes the browser send
  // `Origin: null` with its own form posts; Sec-Fetch-Site, which no page can set, still tells.
  if (origin === "null" && fetchSite === "same-origin") return;
  const allowed = new Set(appOrigins(request, env));
  if (fetchSite === "cross-site" || !origin || !allowed.has(origin)) {
    throw new ApiError("forbidden", "Cross-site requests are not allowed.");
  }
}

/** Who may call a route: anyone, a signed-in (verified, approved) person, or an admin. */
export type Access = "public" | "user" | "admin";

type RouteParams = Record<string, string | string[] | undefined>;
/** What Next.js hands a route handler besides the request. */
type NextContext = { params: Promise<RouteParams> };

/**
 * What a route file exports. Next hands it the request and the route's params (its type check
 * reads the last signature); a test may call it with the request alone.
 */
export type RouteHandler = {
  (request: Request): Promise<Response>;
  (request: Request, context: NextContext): Promise<Response>;
};

type Handed<Params, C> = { request: Request; caller: C; params: Params };

/**
 * Every API route handler goes through this: the origin check, then the caller (a 401 / 403
 * before the handler runs), then the handler, and the one JSON error shape for whatever it throws.
 * `auth` sits next to the route, and the isolation matrix reads it from there.
 */
export function route<Params = RouteParams>(
  options: { auth: "public" },
  handler: (handed: Handed<Params, null>) => Promise<Response>,
): RouteHandler;
export function route<Params = RouteParams>(
  options: { auth: "user" | "admin" },
  handler: (handed: Handed<Params, Caller>) => Promise<Response>,
): RouteHandler;
export function route<Params>(
  options: { auth: Access },
  handler: (handed: Handed<Params, never>) => Promise<Response>,
): RouteHandler {
  const wrapped = async (request: Request, context?: NextContext) => {
    try {
      assertSameOrigin(request);
      const caller = options.auth === "public" ? null : await resolveCaller(request, options.auth);
      const params = ((await context?.params) ?? {}) as Params;
      return await handler({ request, caller: caller as never, params });
    } catch (error) {
      return toErrorResponse(error);
    }
  };
  return wrapped;
}

const routeMethods = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
type RouteMethod = (typeof routeMethods)[number];

/**
 * A route file's handlers, with a JSON 405 (and `Allow`) for each method it does not have: Next
 * would answer those with an empty body. Use as `export const { GET, POST, PUT, PATCH, DELETE } = methods({ … })`.
 */
export function methods(handlers: Partial<Record<RouteMethod, RouteHandler>>): Record<RouteMethod, RouteHandler> {
  const allowed = routeMethods.filter((method) => handlers[method]);
  const notAllowed = async () =>
    errorResponse(
      new ApiError("method_not_allowed", `Use ${allowed.join(" or ")} here.`, { Allow: allowed.join(", ") }),
    );
  return Object.fromEntries(routeMethods.map((method) => [method, handlers[method] ?? notAllowed])) as Record<
    RouteMethod,
    RouteHandler
  >;
}
