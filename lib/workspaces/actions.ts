import "server-only";
import type { auth, AuthSession } from "@/auth";
import type { AppDatabase } from "@/db/connect";
import type { WorkspaceRole } from "@/db/schema";
import { ApiError, fromAuthRefusal, notFound } from "@/lib/http/errors";
import { requestOrigin, type Audit } from "@/lib/admin/audit";
import { createWorkspaceStore, type MemberChange } from "@/lib/workspaces/workspaces";
import { createInvitationStore, maxPendingInvitations } from "@/lib/workspaces/invitations";
import type { WorkspaceJson } from "@/lib/shared/workspaces";

type AuthApi = Pick<
  typeof auth.api,
  "createOrganization" | "updateOrganization" | "createInvitation" | "cancelInvitation" | "acceptInvitation"
>;

/** Writes a session's active workspace through better-auth's adapter (so every session cache forgets the old one). */
export type SetSessionWorkspace = (sessionToken: string, workspaceId: string | null) => Promise<unknown>;

/** Who is acting: the signed-in person and their request's headers (better-auth reads the session from them). */
export type WorkspaceActor = { user: AuthSession["user"]; headers: Headers };

/** better-auth's refusal codes that mean "that workspace or invitation is not there (for you)". */
const notThere = new Set([
  "ORGANIZATION_NOT_FOUND",
  "MEMBER_NOT_FOUND",
  "USER_IS_NOT_A_MEMBER_OF_THE_ORGANIZATION",
  "INVITATION_NOT_FOUND",
]);

const refusalCode = (error: unknown) => (error as { body?: { code?: unknown } } | null)?.body?.code;

/** PostgreSQL's unique_violation, possibly wrapped by drizzle (`cause`): two creations of one slug at once. */
function isUniqueViolation(error: unknown): boolean {
  for (let e = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++)
    if ((e as { code?: unknown }).code === "23505") return true;
  return false;
}

/**
 * What people do to workspaces, in one place: better-auth's organization plugin where it does the
 * work (creating a workspace with its first owner, invitations, the session's active workspace),
 * the app's own statements (lib/workspaces/workspaces.ts) where a rule must hold under races
 * (the last owner, removal), and an audit event for each. Built where the better-auth instance
 * is at hand (lib/http/caller.ts).
 */
export function createWorkspaceActions(
  db: AppDatabase,
  api: AuthApi,
  log: Audit,
  setSessionWorkspace: SetSessionWorkspace,
) {
  const store = createWorkspaceStore(db);
  const invitations = createInvitationStore(db);
  const record = (
    actor: WorkspaceActor,
    event: Omit<Parameters<Audit["record"]>[0], "actor" | "address" | "userAgent">,
  ) => log.record({ ...event, actor: actor.user, ...requestOrigin(actor.headers) });

  /** A refusal from the plugin in the API's shape; "not there" refusals become the 404 a missing thing gets. */
  const refused = (what: string) => (error: unknown) => {
    if (notThere.has(refusalCode(error) as string)) throw notFound(what);
    return fromAuthRefusal(error);
  };

  const changeOutcome = (outcome: MemberChange, what = "Member") => {
    if (outcome === "done") return;
    if (outcome === "not_found") throw notFound(what);
    if (outcome === "forbidden") throw new ApiError("forbidden", "Your role in this workspace does not allow that.");
    throw new ApiError(
      "last_owner",
      "A workspace needs an owner: make someone else an owner first, or delete the workspace.",
    );
  };

  /** The caller must be a member (a 404 otherwise, as for a workspace that does not exist). */
  const membership = async (actor: Pick<WorkspaceActor, "user">, workspaceId: string) => {
    const found = await store.membershipForUser(actor.user.id, { id: workspaceId });
    if (!found) throw notFound("Workspace");
    return found;
  };

  const manager = (found: WorkspaceJson) => {
    if (found.role !== "owner" && found.role !== "admin")
      throw new ApiError("forbidden", "Only the workspace's owners and admins can do this.");
  };

  return {
    async create(actor: WorkspaceActor, input: { name: string; slug: string }): Promise<WorkspaceJson> {
      const created = await api
        .createOrganization({ body: { name: input.name, slug: input.slug }, headers: actor.headers })
        .catch((error: unknown) => {
          if (refusalCode(error) === "ORGANIZATION_ALREADY_EXISTS" || isUniqueViolation(error))
            throw new ApiError("conflict", "That address is taken: choose another slug.");
          if (refusalCode(error) === "YOU_ARE_NOT_ALLOWED_TO_CREATE_A_NEW_ORGANIZATION")
            throw new ApiError("forbidden", "Only admins can create workspaces on this instance.");
          return fromAuthRefusal(error);
        });
      await record(actor, {
        action: "workspace_created",
        workspaceId: created.id,
        detail: { name: created.name, slug: created.slug },
      });
      return { id: created.id, name: created.name, slug: created.slug, role: "owner" };
    },

    async rename(actor: WorkspaceActor, workspaceId: string, name: string): Promise<void> {
      const found = await membership(actor, workspaceId);
      manager(found);
      await api
        .updateOrganization({ body: { organizationId: workspaceId, data: { name } }, headers: actor.headers })
        .catch(refused("Workspace"));
      await record(actor, { action: "workspace_renamed", workspaceId, detail: { from: found.name, to: name } });
    },

    async setQuota(actor: WorkspaceActor, workspaceId: string, tokens: number | null): Promise<void> {
      changeOutcome(await store.setQuotaFor(actor.user.id, workspaceId, tokens), "Workspace");
      await record(actor, { action: "workspace_quota_changed", workspaceId, detail: { tokens } });
    },

    async remove(actor: WorkspaceActor, workspaceId: string): Promise<void> {
      const found = await membership(actor, workspaceId);
      changeOutcome(await store.deleteFor(actor.user.id, workspaceId), "Workspace");
      await record(actor, { action: "workspace_deleted", workspaceId, detail: { name: found.name, slug: found.slug } });
    },

    /**
     * Makes a workspace (null: the personal space) the session's active one: from the switcher,
     * and from a page whose address names the space. A 404 for a workspace the caller is not in,
     * and the session is left as it was. Unchanged sessions are not written.
     */
    async switchTo(
      actor: Pick<WorkspaceActor, "user"> & { session: { token: string; activeOrganizationId?: string | null } },
      workspaceId: string | null,
    ): Promise<WorkspaceJson | null> {
      const target = workspaceId === null ? null : await membership(actor, workspaceId);
      if ((actor.session.activeOrganizationId ?? null) !== workspaceId)
        await setSessionWorkspace(actor.session.token, workspaceId);
      return target;
    },

    /**
     * Invites an address with a role, for `days` days. The link is mailed (or logged without
     * SMTP_URL) and returned once, for the inviter to copy.
     */
    async invite(
      actor: WorkspaceActor,
      workspaceId: string,
      input: { email: string; role: WorkspaceRole; days: number },
    ): Promise<{ id: string; email: string; role: WorkspaceRole; expiresAt: Date }> {
      manager(await membership(actor, workspaceId));
      if ((await invitations.pendingCount(workspaceId)) >= maxPendingInvitations)
        throw new ApiError(
          "conflict",
          `This workspace has ${maxPendingInvitations} invitations waiting: revoke some before inviting more.`,
        );
      const created = await api
        .createInvitation({
          body: { organizationId: workspaceId, email: input.email, role: input.role },
          headers: actor.headers,
        })
        .catch((error: unknown) => {
          if (refusalCode(error) === "USER_IS_ALREADY_A_MEMBER_OF_THIS_ORGANIZATION")
            throw new ApiError("conflict", "That address already belongs to a member of this workspace.");
          if (refusalCode(error) === "YOU_ARE_NOT_ALLOWED_TO_INVITE_USER_WITH_THIS_ROLE")
            throw new ApiError("forbidden", "Only owners can invite owners.");
          return refused("Workspace")(error);
        });
      const expiresAt = await invitations.setExpiry(created.id, input.days);
      await record(actor, {
        action: "workspace_invitation_created",
        workspaceId,
        target: { email: created.email },
        detail: { role: input.role, days: input.days },
      });
      return { id: created.id, email: created.email, role: input.role, expiresAt };
    },

    async revokeInvitation(actor: WorkspaceActor, workspaceId: string, invitationId: string): Promise<void> {
      manager(await membership(actor, workspaceId));
      const view = await invitations.viewById(invitationId);
      if (!view || view.workspaceId !== workspaceId || view.state !== "pending") throw notFound("Invitation");
      await api.cancelInvitation({ body: { invitationId }, headers: actor.headers }).catch(refused("Invitation"));
      await record(actor, { action: "workspace_invitation_revoked", workspaceId, target: { email: view.email } });
    },

    /**
     * Accepts an invitation for the signed-in person, whose verified address must be the invited
     * one. Of two acceptances at once, one wins (better-auth moves it from pending to accepted
     * only once, and a person is a member at most once: a unique index).
     */
    async accept(actor: WorkspaceActor, invitationId: string): Promise<WorkspaceJson> {
      const view = await invitations.viewById(invitationId);
      if (!view) throw notFound("Invitation");
      if (view.state !== "pending") {
        const why = { expired: "has expired", revoked: "was revoked", used: "has already been used" }[view.state];
        throw new ApiError("invitation_unavailable", `This invitation ${why}. Ask for a new one.`);
      }
      if (view.email.toLowerCase() !== actor.user.email.toLowerCase())
        throw new ApiError(
          "forbidden",
          "This invitation is for another email address: sign in with the invited address to accept it.",
        );
      if (!actor.user.emailVerified)
        throw new ApiError(
          "email_not_verified",
          "Confirm your email address first (open the link we sent you), then accept the invitation.",
        );
      // better-auth would mark it accepted and then fail on the one-membership-per-person index.
      if (await store.membershipForUser(actor.user.id, { id: view.workspaceId }))
        throw new ApiError("conflict", "You are already a member of this workspace.");
      const accepted = await api
        .acceptInvitation({ body: { invitationId }, headers: actor.headers })
        .catch((error: unknown) => {
          if (refusalCode(error) === "INVITATION_NOT_FOUND")
            throw new ApiError("invitation_unavailable", "This invitation has already been used. Ask for a new one.");
          return fromAuthRefusal(error);
        });
      const role = (accepted?.member.role ?? view.role) as WorkspaceRole;
      await record(actor, {
        action: "workspace_invitation_accepted",
        workspaceId: view.workspaceId,
        target: { email: view.email },
      });
      await record(actor, {
        action: "workspace_member_added",
        workspaceId: view.workspaceId,
        target: actor.user,
        detail: { role },
      });
      return { id: view.workspaceId, name: view.workspaceName, slug: view.workspaceSlug, role };
    },

    async removeMember(actor: WorkspaceActor, workspaceId: string, memberId: string): Promise<void> {
      // A non-member hears "Workspace not found", as for a workspace that does not exist, not "Member not found".
      await membership(actor, workspaceId);
      const { outcome, removed } = await store.removeMemberFor(actor.user.id, workspaceId, memberId);
      changeOutcome(outcome);
      await record(actor, {
        action: "workspace_member_removed",
        workspaceId,
        // With the address, so the log says who (the event outlives the membership).
        target: { id: removed!.userId, email: await log.emailOf(removed!.userId) },
        detail: { role: removed!.role },
      });
    },

    async leave(actor: WorkspaceActor, workspaceId: string): Promise<void> {
      changeOutcome(await store.leaveFor(actor.user.id, workspaceId), "Workspace");
      await record(actor, { action: "workspace_member_left", workspaceId, target: actor.user });
    },

    async changeRole(actor: WorkspaceActor, workspaceId: string, memberId: string, role: WorkspaceRole): Promise<void> {
      await membership(actor, workspaceId);
      const { outcome, changed } = await store.changeRoleFor(actor.user.id, workspaceId, memberId, role);
      changeOutcome(outcome);
      await record(actor, {
        action: "workspace_member_role_changed",
        workspaceId,
        target: { id: changed!.userId, email: await log.emailOf(changed!.userId) },
        detail: { from: changed!.from, to: role },
      });
    },
  };
}

export type WorkspaceActions = ReturnType<typeof createWorkspaceActions>;
