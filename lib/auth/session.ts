import "server-only";
import type { AuthSession } from "@/auth";
import { signupPolicy } from "@/lib/admin/signup-policy";

/** An account made under SIGNUP_MODE=approval that no admin has approved yet. */
export const isPendingApproval = (session: AuthSession) => session.user.approvalStatus === "pending";

/**
 * An account held until its address is verified: every unverified account of an instance limited
 * to SIGNUP_EMAIL_DOMAINS (the domain is a claim until then), and an ADMIN_EMAILS address let into
 * an instance that refuses everyone else. Both read from the session: no query.
 */
export function isEmailVerificationPending(
  session: AuthSession,
  domains: ReadonlySet<string> = signupPolicy.defaults.domains,
): boolean {
  if (session.user.emailVerified) return false;
  return domains.size > 0 || session.user.approvalStatus === "unverified";
}

export const isAdmin = (session: AuthSession) => session.user.role === "admin";
