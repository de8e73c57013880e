import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";

const publicPages = new Set(["/sign-in", "/sign-up", "/forgot-password", "/reset-password"]);

/**
 * An optimistic redirect for pages only: it sees whether a session cookie exists, not whether
 * it is valid. Pages and API routes check the session against the database themselves.
 */
export function proxy(request: NextRequest) {
  const { pathname, search } = request.nextUrl;
  if (publicPages.has(pathname) || getSessionCookie(request)) return NextResponse.next();
  const signIn = new URL("/sign-in", request.url);
  if (pathname !== "/") signIn.searchParams.set("callbackURL", pathname + search);
  return NextResponse.redirect(signIn);
}

export const config = {
  // Not on API routes, Next's own assets or files with an extension.
  matcher: ["/((?!api/|_next/|.*\\.[\\w]+$).*)"],
};
