import "server-only";
import { headers } from "next/headers";
import { cache } from "react";
import { auth, type AuthSession } from "@/auth";
import { audit } from "@/lib/admin/audit";
import { createAdminUsers } from "@/lib/admin/users";
import { databaseReady, db } from "@/lib/db/database";
import { isAdmin, isEmailVerificationPending, isPendingApproval } from "@/lib/auth/session";
import { ApiError } from "@/lib/http/errors";
import { verifiedHeaders } from "@/lib/http/client-address";
import { noteUser } from "@/lib/observability/request-context";
import { workspaces } from "@/lib/workspaces/workspaces";
import { createWorkspaceActions } from "@/lib/workspaces/actions";
import { shareViewerOf } from "@/lib/sharing/viewer";
import type { WorkspaceJson } from "@/lib/shared/workspaces";

/**
 * The seam between lib/ and the better-auth instance: auth.ts is built from lib's wings, so this
 * is the one module of lib/ that imports it. Who is calling (for routes and pages), the instance's
 * server-side API, and what is built on it (the admin's account operations) come from here.
 */
export const authApi = auth.api;

/**
 * Who is calling an API route, resolved once by the route wrapper. An object, so it can grow
 * (a workspace and a role in it) without every handler changing.
 */
export type Caller = {
  user: AuthSession["user"];
  session: AuthSession["session"];
  isAdmin: boolean;
  /**
   * The session's active workspace with the caller's role in it, or null for the personal space.
   * Read on every request from the membership table (never from a cache), so a removed member's
   * next request is in their personal space, on every instance.
   */
  workspace: WorkspaceJson | null;
  /** The request's headers with an unverified client address removed: for better-auth's own checks and the audit log. */
  headers: Headers;
};

/** better-auth reports a session lookup that failed (not one that found nothing) with this code. */
const isLookupFailure = (error: unknown) =>
  (error as { body?: { code?: unknown } } | null)?.body?.code === "FAILED_TO_GET_SESSION";

/** The session for these request headers, or null. Waits for the database to be usable first. */
export async function getSession(requestHeaders: Headers): Promise<AuthSession | null> {
  await databaseReady();
  try {
    const session = await authApi.getSession({ headers: requestHeaders });
    if (session) noteUser(session.user.id);
    return session;
  } catch (error) {
    // The database did not answer: the caller may well be signed in, so this is a 503, not a 401.
    if (isLookupFailure(error))
      throw new ApiError("database_unavailable", "The database is unavailable. Try again shortly.");
    throw error;
  }
}

/**
 * The signed-in, verified where it must be, approved caller, or a 401 / 403 before anything else
 * happens; with `admin`, 403 `forbidden` for anyone but an admin.
 */
export async function resolveCaller(request: Request, access: "user" | "admin"): Promise<Caller> {
  const session = await getSession(request.headers);
  if (!session) throw new ApiError("unauthorized", "Sign in to continue.");
  if (isEmailVerificationPending(session)) {
    throw new ApiError(
      "email_not_verified",
      "Confirm your email address first: open the link we sent you, or ask for a new one on /account.",
    );
  }
  if (isPendingApproval(session))
    throw new ApiError("pending_approval", "Your account is waiting for an admin to approve it.");
  const active = session.session.activeOrganizationId;
  const caller: Caller = {
    user: session.user,
    session: session.session,
    isAdmin: isAdmin(session),
    workspace: active ? await workspaces.membershipForUser(session.user.id, { id: active }) : null,
    headers: verifiedHeaders(request.headers),
  };
  if (access === "admin" && !caller.isAdmin) throw new ApiError("forbidden", "Only admins can do this.");
  return caller;
}

/** Who opens a share link (lib/sharing/viewer.ts): a person who passes the app's rules, or null. */
export const shareViewerId = async (requestHeaders: Headers): Promise<string | null> =>
  shareViewerOf(await getSession(requestHeaders));

/** For pages and layouts: the request's session, looked up once per render however many ask. */
export const getPageSession = cache(async () => getSession(await headers()));

/** The admin's account operations (bans, roles, sessions, removal go through better-auth's admin plugin). */
export const adminUsers = createAdminUsers(db, authApi, audit);

/** What people do to workspaces (creation, invitations, members), through better-auth's organization plugin and the app's own statements. */
export const workspaceActions = createWorkspaceActions(db, authApi, audit, async (token, workspaceId) =>
  (await auth.$context).internalAdapter.updateSession(token, { activeOrganizationId: workspaceId }),
);
