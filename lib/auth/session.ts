import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { auth, type AuthSession } from "@/auth";
import { databaseReady } from "@/lib/db/database";
import { ApiError } from "@/lib/http/errors";
import { verifiedHeaders } from "@/lib/http/client-address";
import { noteUser } from "@/lib/observability/request-context";
import { signupPolicy } from "@/lib/admin/signup-policy";

/** better-auth reports a session lookup that failed (not one that found nothing) with this code. */
const isLookupFailure = (error: unknown) =>
  (error as { body?: { code?: unknown } } | null)?.body?.code === "FAILED_TO_GET_SESSION";

/** The session for these request headers, or null. Waits for the database to be usable first. */
export async function getSession(headers: Headers): Promise<AuthSession | null> {
  await databaseReady();
  try {
    const session = await auth.api.getSession({ headers });
    if (session) noteUser(session.user.id);
    return session;
  } catch (error) {
    // The database did not answer: the caller may well be signed in, so this is a 503, not a 401.
    if (isLookupFailure(error)) throw new ApiError("service_unavailable", "The database is unavailable. Try again shortly.");
    throw error;
  }
}

/** An account made under SIGNUP_MODE=approval that no admin has approved yet. */
export const isPendingApproval = (session: AuthSession) => (session.user as { approvalStatus?: string | null }).approvalStatus === "pending";

/**
 * An account held until its address is verified: every unverified account of an instance limited
 * to SIGNUP_EMAIL_DOMAINS (the domain is a claim until then), and an ADMIN_EMAILS address let into
 * an instance that refuses everyone else. Both read from the session: no query.
 */
export function isEmailVerificationPending(session: AuthSession, domains: ReadonlySet<string> = signupPolicy.defaults.domains): boolean {
  if (session.user.emailVerified) return false;
  return domains.size > 0 || (session.user as { approvalStatus?: string | null }).approvalStatus === "unverified";
}

/** For API routes: the signed-in, verified where it must be, approved session, or a 401 / 403 before anything else happens. */
export async function requireSession(headers: Headers): Promise<AuthSession> {
  const session = await getSession(headers);
  if (!session) throw new ApiError("unauthorized", "Sign in to continue.");
  if (isEmailVerificationPending(session)) {
    throw new ApiError("email_not_verified", "Confirm your email address first: open the link we sent you, or ask for a new one on /account.");
  }
  if (isPendingApproval(session)) throw new ApiError("pending_approval", "Your account is waiting for an admin to approve it.");
  return session;
}

export const isAdmin = (session: AuthSession) => (session.user as { role?: string | null }).role === "admin";

/** The signed-in admin acting, and the request's headers (for better-auth's own checks and the audit log). */
export type AdminCaller = { user: AuthSession["user"]; headers: Headers };

/** For admin API routes: 401 without a session, 403 `forbidden` for anyone but an admin, before anything is read or changed. */
export async function requireAdmin(request: Request): Promise<AdminCaller> {
  const session = await requireSession(request.headers);
  if (!isAdmin(session)) throw new ApiError("forbidden", "Only admins can do this.");
  return { user: session.user, headers: verifiedHeaders(request.headers) };
}

/** For pages and layouts: the request's session, looked up once per render however many ask. */
export const getPageSession = cache(async () => getSession(await headers()));
