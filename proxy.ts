import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";
import { signInPathFor } from "@/lib/auth/safe-redirect";
import { limitShareRequest, SHARE_PATH_HEADER } from "@/lib/http/share-requests";

const publicPages = new Set(["/sign-in", "/sign-up", "/forgot-password", "/reset-password"]);
// A workspace invitation's page says what it is and offers sign-in or sign-up to someone without an account.
const publicPrefixes = ["/invite/"];

/**
 * Shared links (`/s/…`: the page, its files, "continue") are open to visitors without an account
 * and decide who may see what themselves. Every request there counts against its client
 * address's limit first, so a link is no way to scrape the instance.
 */
async function shareRequest(request: NextRequest): Promise<Response> {
  const limited = await limitShareRequest(request.headers);
  if (limited) return limited;
  const headers = new Headers(request.headers);
  headers.set(SHARE_PATH_HEADER, request.nextUrl.pathname);
  return NextResponse.next({ request: { headers } });
}

/**
 * An optimistic redirect for pages only: it sees whether a session cookie exists, not whether
 * it is valid. Pages and API routes check the session against the database themselves.
 */
export async function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (pathname.startsWith("/s/")) return shareRequest(request);
  if (publicPages.has(pathname) || publicPrefixes.some((p) => pathname.startsWith(p)) || getSessionCookie(request))
    return NextResponse.next();
  return NextResponse.redirect(new URL(signInPathFor(pathname === "/" ? "/" : pathname + search), request.url));
}

export const config = {
  // Not on API routes, Next's own assets, the vendored scripts (app/vendor) or files with an extension;
  // always on shared links (a file of theirs may be named anything, but its address never has an extension).
  matcher: ["/((?!api/|_next/|vendor/|.*\\.[\\w]+$).*)", "/s/:path*"],
};
