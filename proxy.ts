import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";
import { signInPathFor } from "@/lib/auth/safe-redirect";

const publicPages = new Set(["/sign-in", "/sign-up", "/forgot-password", "/reset-password"]);
// A workspace invitation's page says what it is and offers sign-in or sign-up to someone without an account.
const publicPrefixes = ["/invite/"];

/**
 * An optimistic redirect for pages only: it sees whether a session cookie exists, not whether
 * it is valid. Pages and API routes check the session against the database themselves.
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (publicPages.has(pathname) || publicPrefixes.some((p) => pathname.startsWith(p)) || getSessionCookie(request))
    return NextResponse.next();
  return NextResponse.redirect(new URL(signInPathFor(pathname === "/" ? "/" : pathname + search), request.url));
}

export const config = {
  // Not on API routes, Next's own assets or files with an extension.
  matcher: ["/((?!api/|_next/|.*\\.[\\w]+$).*)"],
};
