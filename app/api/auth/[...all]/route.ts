import { toNextJsHandler } from "better-auth/next-js";
import { auth } from "@/auth";
import { databaseReady } from "@/lib/db/database";
import { ApiError, errorResponse, toErrorResponse } from "@/lib/http/errors";
import { allowedAuthEndpoint } from "@/lib/auth/endpoints";
import { logAuthEvent } from "@/lib/auth/auth-log";
import { clientAddressOf, verifiedHeaders } from "@/lib/http/client-address";
import { readLimitedBody } from "@/lib/http/request-body";

const handlers = toNextJsHandler(auth);

// Paths whose JSON body names the account an attempt is about (for the log of limited requests).
const emailBodyPaths = ["/sign-in/email", "/sign-up/email", "/request-password-reset", "/send-verification-email"];

async function handle(request: Request, handler: (request: Request) => Promise<Response>): Promise<Response> {
  const url = new URL(request.url);
  const path = url.pathname.replace(/^\/api\/auth/, "");
  // Only what the app's own pages use (lib/auth/endpoints.ts), before better-auth's router: a
  // plugin endpoint nobody here calls (the admin plugin's set-user-password, update-user, …) must
  // not answer anyone, admins included.
  if (!allowedAuthEndpoint(request.method, path)) return errorResponse(new ApiError("not_found", "Not found."));
  let body: Uint8Array<ArrayBuffer> | undefined;
  try {
    await databaseReady();
    body = request.method === "POST" ? await readLimitedBody(request) : undefined;
  } catch (error) {
    return toErrorResponse(error);
  }
  const headers = verifiedHeaders(request.headers);
  // better-auth's handler builds its whole router (every endpoint of every plugin) on each
  // request; the session read every browser repeats is the same endpoint called directly, which
  // runs the same hooks and answers the same body, headers and cookies at a fraction of the cost.
  if (request.method === "GET" && path === "/get-session") {
    return auth.api.getSession({ headers, query: Object.fromEntries(url.searchParams), asResponse: true });
  }
  const response = await handler(
    new Request(request.url, { method: request.method, headers, body, signal: request.signal }),
  );
  // better-auth's per-address limiter answers 429 with only its own X-Retry-After header.
  if (response.status !== 429 || response.headers.has("retry-after")) return response;
  const retryAfter = response.headers.get("x-retry-after") ?? "10";
  logAuthEvent("rate_limited", {
    path,
    address: clientAddressOf(headers),
    email: emailBodyPaths.includes(path) ? emailIn(body) : undefined,
    retryAfter: Number(retryAfter),
  });
  const limited = new Response(response.body, response);
  limited.headers.set("Retry-After", retryAfter);
  return limited;
}

function emailIn(body: Uint8Array | undefined): string | undefined {
  try {
    const email = (JSON.parse(new TextDecoder().decode(body)) as { email?: unknown }).email;
    return typeof email === "string" ? email.trim().toLowerCase().slice(0, 320) : undefined;
  } catch {
    return undefined;
  }
}

export const GET = (request: Request) => handle(request, handlers.GET);
export const POST = (request: Request) => handle(request, handlers.POST);
