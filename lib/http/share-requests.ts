import "server-only";
import { databaseReady } from "@/lib/db/database";
import { ApiError, errorResponse, toErrorResponse } from "@/lib/http/errors";
import { clientAddressOf, verifiedHeaders } from "@/lib/http/client-address";
import { consumeShareView } from "@/lib/sharing/view-limit";

/**
 * The path of a request under /s/, as the proxy saw it: the share 404 page (which Next renders
 * without the route's params) offers sign-in back to it. The proxy always writes it, replacing
 * any a client sent.
 */
export const SHARE_PATH_HEADER = "x-threadkeeper-share-path";

/** Every response under /s/ (also set for all of them in next.config.ts, which a proxy answer may not get). */
export const shareResponseHeaders = {
  "Cache-Control": "no-store",
  "X-Robots-Tag": "noindex, nofollow",
  "Referrer-Policy": "no-referrer",
} as const;

/**
 * Counts a request under /s/ (page, file or continue) against its client address's limit:
 * null to let it through, or the 429 to answer (the API's error shape, with Retry-After). A
 * database that cannot count answers as the API would (503), never a free pass.
 */
export async function limitShareRequest(requestHeaders: Headers): Promise<Response | null> {
  try {
    await databaseReady();
    const limited = await consumeShareView(clientAddressOf(verifiedHeaders(requestHeaders)));
    if (!limited) return null;
    return withShareHeaders(
      errorResponse(
        new ApiError("rate_limited", "Too many requests for shared links from your address. Try again shortly.", {
          "Retry-After": String(limited.retryAfter),
        }),
      ),
    );
  } catch (error) {
    return withShareHeaders(toErrorResponse(error));
  }
}

function withShareHeaders(response: Response): Response {
  for (const [name, value] of Object.entries(shareResponseHeaders)) response.headers.set(name, value);
  return response;
}
