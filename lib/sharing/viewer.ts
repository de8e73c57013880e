import "server-only";
import type { AuthSession } from "@/auth";
import { isEmailVerificationPending, isPendingApproval } from "@/lib/auth/session";

/**
 * Who opens a share link: the id of a signed-in person who passes the app's rules (not waiting
 * for approval or for their address to be verified), or null, a visitor without an account. A
 * `signed-in` or `workspace` link shows nothing to null. The seam (lib/http/caller.ts
 * `shareViewerId`) applies it to a request's session.
 */
export function shareViewerOf(session: AuthSession | null): string | null {
  if (!session || isPendingApproval(session) || isEmailVerificationPending(session)) return null;
  return session.user.id;
}
