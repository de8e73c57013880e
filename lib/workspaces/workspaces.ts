import "server-only";
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import {
  session,
  thread,
  user,
  workspace,
  workspaceInvitation,
  workspaceMember,
  workspaceUsageMonth,
  workspaceRoles,
  type WorkspaceRole,
} from "@/db/schema";
import { queryRows } from "@/lib/db/rows";
import { thisMonth } from "@/lib/chat/usage";
import type { WorkspaceJson } from "@/lib/shared/workspaces";
import type { WorkspaceUsageJson } from "@/lib/shared/workspace-admin";

/**
 * Every read and write of workspaces and their members that the app does itself (better-auth's
 * organization plugin creates workspaces and handles invitations: lib/workspaces/actions.ts).
 * Each function takes the acting person first and checks their membership and role in the same
 * statement, so a workspace someone is not a member of behaves exactly like one that does not
 * exist. Membership changes lock the workspace's row first: two owners leaving at once cannot
 * leave it without one.
 */

export type WorkspaceMemberRow = {
  id: string;
  userId: string;
  name: string;
  email: string;
  role: WorkspaceRole;
  joinedAt: Date;
};

export type WorkspaceInvitationRow = {
  id: string;
  email: string;
  role: WorkspaceRole;
  status: "pending" | "expired";
  expiresAt: Date;
  createdAt: Date;
  inviterName: string | null;
};

export type WorkspaceDetails = {
  workspace: WorkspaceJson & { tokenQuota: number | null; createdAt: Date };
  members: WorkspaceMemberRow[];
  /** Only for owners and admins; members get an empty list. */
  invitations: WorkspaceInvitationRow[];
};

export type { MemberUsageRow } from "@/lib/shared/workspace-admin";

/** What a membership change found: done, or why not (the route turns each into its status). */
export type MemberChange = "done" | "not_found" | "forbidden" | "last_owner";

const manager = (role: WorkspaceRole) => role === "owner" || role === "admin";

export function createWorkspaceStore(db: AppDatabase = defaultDb) {
  const membershipColumns = {
    id: workspace.id,
    name: workspace.name,
    slug: workspace.slug,
    role: workspaceMember.role,
  };

  /** The workspace (by id or slug) with the person's role in it; null unless they are a member. */
  async function membershipForUser(
    userId: string,
    ref: { id: string } | { slug: string },
  ): Promise<WorkspaceJson | null> {
    const [row] = await db
      .select(membershipColumns)
      .from(workspaceMember)
      .innerJoin(workspace, eq(workspace.id, workspaceMember.organizationId))
      .where(
        and(eq(workspaceMember.userId, userId), "id" in ref ? eq(workspace.id, ref.id) : eq(workspace.slug, ref.slug)),
      );
    return row ?? null;
  }

  /** The person's workspaces, by name. */
  async function listForUser(userId: string): Promise<WorkspaceJson[]> {
    return db
      .select(membershipColumns)
      .from(workspaceMember)
      .innerJoin(workspace, eq(workspace.id, workspaceMember.organizationId))
      .where(eq(workspaceMember.userId, userId))
      .orderBy(asc(workspace.name), asc(workspace.id));
  }

  /** The settings page's data; null unless the person is a member. Invitations only for owners and admins. */
  async function detailsForMember(userId: string, workspaceId: string): Promise<WorkspaceDetails | null> {
    const [own] = await db
      .select({ ...membershipColumns, tokenQuota: workspace.tokenQuota, createdAt: workspace.createdAt })
      .from(workspaceMember)
      .innerJoin(workspace, eq(workspace.id, workspaceMember.organizationId))
      .where(and(eq(workspaceMember.userId, userId), eq(workspace.id, workspaceId)));
    if (!own) return null;
    const members = await db
      .select({
        id: workspaceMember.id,
        userId: workspaceMember.userId,
        name: user.name,
        email: user.email,
        role: workspaceMember.role,
        joinedAt: workspaceMember.createdAt,
      })
      .from(workspaceMember)
      .innerJoin(user, eq(user.id, workspaceMember.userId))
      .where(eq(workspaceMember.organizationId, workspaceId))
      .orderBy(asc(workspaceMember.createdAt), asc(workspaceMember.id));
    const invitations = manager(own.role) ? await pendingInvitations(workspaceId) : [];
    return { workspace: own, members, invitations };
  }

  async function pendingInvitations(workspaceId: string): Promise<WorkspaceInvitationRow[]> {
    const rows = await db
      .select({
        id: workspaceInvitation.id,
        email: workspaceInvitation.email,
        role: workspaceInvitation.role,
        expiresAt: workspaceInvitation.expiresAt,
        createdAt: workspaceInvitation.createdAt,
        inviterName: user.name,
      })
      .from(workspaceInvitation)
      .leftJoin(user, eq(user.id, workspaceInvitation.inviterId))
      .where(and(eq(workspaceInvitation.organizationId, workspaceId), eq(workspaceInvitation.status, "pending")))
      .orderBy(asc(workspaceInvitation.createdAt))
      .limit(200);
    const now = Date.now();
    return rows.map((r) => ({
      ...r,
      role: r.role ?? "member",
      status: r.expiresAt.getTime() <= now ? "expired" : "pending",
    }));
  }

  /**
   * Runs `change` with the workspace's row locked and the actor's role read under that lock, so
   * membership changes of one workspace happen one at a time. "not_found" when the actor is not
   * a member.
   */
  async function underLock(
    actorId: string,
    workspaceId: string,
    change: (tx: AppDatabase, actorRole: WorkspaceRole) => Promise<MemberChange>,
  ): Promise<MemberChange> {
    return db.transaction(async (tx) => {
      const locked = await tx
        .select({ id: workspace.id })
        .from(workspace)
        .where(eq(workspace.id, workspaceId))
        .for("update");
      if (locked.length === 0) return "not_found";
      const [actor] = await tx
        .select({ role: workspaceMember.role })
        .from(workspaceMember)
        .where(and(eq(workspaceMember.organizationId, workspaceId), eq(workspaceMember.userId, actorId)));
      if (!actor) return "not_found";
      return change(tx, actor.role);
    });
  }

  const otherOwners = async (tx: AppDatabase, workspaceId: string, exceptMemberId: string) => {
    const [row] = await queryRows<{ n: number }>(
      tx,
      sql`select count(*)::int as n from ${workspaceMember}
          where workspace_id = ${workspaceId} and role = 'owner' and id <> ${exceptMemberId}`,
    );
    return row.n;
  };

  /**
   * Part of removing and leaving: the person's threads in the workspace stop being shared and move
   * to their personal space (theirs, private, still in their list), out of the workspace's
   * projects in the same statement (a thread is only ever in a project of its own space), and
   * their sessions leave it (which also clears every instance's cached copy of those sessions).
   */
  const detach = async (tx: AppDatabase, workspaceId: string, userId: string) => {
    await tx
      .update(thread)
      .set({ sharedAt: null, workspaceId: null, projectId: null })
      .where(and(eq(thread.workspaceId, workspaceId), eq(thread.userId, userId)));
    await tx
      .update(session)
      .set({ activeOrganizationId: null })
      .where(and(eq(session.userId, userId), eq(session.activeOrganizationId, workspaceId)));
    await withdrawInvitations(tx, workspaceId, userId, workspaceRoles);
  };

  /**
   * Pending invitations someone made with a role they can no longer give (they left, were
   * removed, or lost the role) are revoked: an invitation speaks for its inviter as they are now.
   */
  const withdrawInvitations = (
    tx: AppDatabase,
    workspaceId: string,
    inviterId: string,
    roles: readonly WorkspaceRole[],
  ) =>
    tx
      .update(workspaceInvitation)
      .set({ status: "canceled" })
      .where(
        and(
          eq(workspaceInvitation.organizationId, workspaceId),
          eq(workspaceInvitation.inviterId, inviterId),
          eq(workspaceInvitation.status, "pending"),
          inArray(workspaceInvitation.role, [...roles]),
        ),
      );

  const findMember = async (tx: AppDatabase, workspaceId: string, memberId: string) => {
    const [row] = await tx
      .select({ id: workspaceMember.id, userId: workspaceMember.userId, role: workspaceMember.role })
      .from(workspaceMember)
      .where(and(eq(workspaceMember.organizationId, workspaceId), eq(workspaceMember.id, memberId)));
    return row ?? null;
  };

  /**
   * Removes another member. Owners may remove anyone but themselves (they leave instead); admins
   * may remove admins and members. The removed person's threads there stay theirs, unshared.
   */
  async function removeMemberFor(
    actorId: string,
    workspaceId: string,
    memberId: string,
  ): Promise<{ outcome: MemberChange; removed?: { userId: string; role: WorkspaceRole } }> {
    let removed: { userId: string; role: WorkspaceRole } | undefined;
    const outcome = await underLock(actorId, workspaceId, async (tx, actorRole) => {
      const target = await findMember(tx, workspaceId, memberId);
      if (!target) return "not_found";
      if (!manager(actorRole) || target.userId === actorId) return "forbidden";
      if (target.role === "owner" && actorRole !== "owner") return "forbidden";
      await tx.delete(workspaceMember).where(eq(workspaceMember.id, target.id));
      await detach(tx, workspaceId, target.userId);
      removed = { userId: target.userId, role: target.role };
      return "done";
    });
    return { outcome, removed };
  }

  /** The person leaves; the last owner cannot (they delete the workspace, or make someone else owner first). */
  async function leaveFor(userId: string, workspaceId: string): Promise<MemberChange> {
    return underLock(userId, workspaceId, async (tx, role) => {
      const [own] = await tx
        .select({ id: workspaceMember.id })
        .from(workspaceMember)
        .where(and(eq(workspaceMember.organizationId, workspaceId), eq(workspaceMember.userId, userId)));
      if (role === "owner" && (await otherOwners(tx, workspaceId, own.id)) === 0) return "last_owner";
      await tx.delete(workspaceMember).where(eq(workspaceMember.id, own.id));
      await detach(tx, workspaceId, userId);
      return "done";
    });
  }

  /**
   * Owners may give any role to anyone (the last owner cannot step down); admins may make members
   * admins and admins members, never touching an owner or making one.
   */
  async function changeRoleFor(
    actorId: string,
    workspaceId: string,
    memberId: string,
    role: WorkspaceRole,
  ): Promise<{ outcome: MemberChange; changed?: { userId: string; from: WorkspaceRole } }> {
    let changed: { userId: string; from: WorkspaceRole } | undefined;
    const outcome = await underLock(actorId, workspaceId, async (tx, actorRole) => {
      const target = await findMember(tx, workspaceId, memberId);
      if (!target) return "not_found";
      if (!manager(actorRole)) return "forbidden";
      if (actorRole !== "owner" && (target.role === "owner" || role === "owner")) return "forbidden";
      if (target.role === "owner" && role !== "owner" && (await otherOwners(tx, workspaceId, target.id)) === 0)
        return "last_owner";
      await tx.update(workspaceMember).set({ role }).where(eq(workspaceMember.id, target.id));
      // A member invites nobody; an admin invites admins and members.
      if (role !== "owner")
        await withdrawInvitations(tx, workspaceId, target.userId, role === "member" ? workspaceRoles : ["owner"]);
      changed = { userId: target.userId, from: target.role };
      return "done";
    });
    return { outcome, changed };
  }

  /**
   * Deletes the workspace (owners only). Its threads move to their authors' personal spaces,
   * private; members, invitations and its usage ledger go with it.
   */
  async function deleteFor(actorId: string, workspaceId: string): Promise<MemberChange> {
    return underLock(actorId, workspaceId, async (tx, role) => {
      if (role !== "owner") return "forbidden";
      // Its projects go with it (cascade); their threads leave them here already, with the move.
      await tx
        .update(thread)
        .set({ workspaceId: null, sharedAt: null, projectId: null })
        .where(eq(thread.workspaceId, workspaceId));
      await tx.delete(workspace).where(eq(workspace.id, workspaceId));
      return "done";
    });
  }

  /**
   * Before an account goes (deleted by its owner or an admin): the workspaces it is the only
   * member of go with it (their slugs free again). A workspace with other members keeps them and
   * gets a new owner if it needs one: the database does that itself, whatever deletes the last
   * owner (drizzle/0015_keep_a_workspace_owner.sql). Returns the ids of the workspaces deleted.
   */
  async function removeWorkspacesOnlyHeldBy(userId: string): Promise<string[]> {
    const rows = await queryRows<{ id: string }>(
      db,
      sql`delete from ${workspace} w
          where exists (select 1 from ${workspaceMember} m where m.workspace_id = w.id and m.user_id = ${userId})
            and not exists (select 1 from ${workspaceMember} m where m.workspace_id = w.id and m.user_id <> ${userId})
          returning w.id`,
    );
    return rows.map((r) => r.id);
  }

  /** The workspace's monthly token quota (owners only); null: none. */
  async function setQuotaFor(actorId: string, workspaceId: string, tokens: number | null): Promise<MemberChange> {
    return underLock(actorId, workspaceId, async (tx, role) => {
      if (role !== "owner") return "forbidden";
      await tx.update(workspace).set({ tokenQuota: tokens }).where(eq(workspace.id, workspaceId));
      return "done";
    });
  }

  /**
   * This month's usage of the workspace (counts only): its quota, the tokens spent in it (former
   * members' too, as its quota counts them), and each member's messages and tokens. For owners
   * and admins; null for anyone else (checked in the same statement).
   */
  async function usageForManager(userId: string, workspaceId: string): Promise<WorkspaceUsageJson | null> {
    const rows = await queryRows<{
      month: string;
      quota: string | null;
      used: string;
      user_id: string;
      name: string;
      messages: number;
      tokens: string;
    }>(
      db,
      sql`
      with viewer as (
        select w.id, w.token_quota,
               (select coalesce(sum(s.input_tokens + s.output_tokens), 0) from ${workspaceUsageMonth} s
                where s.workspace_id = w.id and s.month = ${thisMonth}) as used
        from ${workspace} w join ${workspaceMember} v on v.workspace_id = w.id
        where w.id = ${workspaceId} and v.user_id = ${userId} and v.role in ('owner', 'admin')
      )
      select to_char(now() at time zone 'UTC', 'YYYY-MM') as month,
             viewer.token_quota::text as quota, viewer.used::bigint::text as used,
             m.user_id, u.name,
             coalesce(w.messages, 0)::int as messages,
             coalesce(w.input_tokens + w.output_tokens, 0)::bigint::text as tokens
      from viewer
      join ${workspaceMember} m on m.workspace_id = viewer.id
      join ${user} u on u.id = m.user_id
      left join ${workspaceUsageMonth} w on w.workspace_id = m.workspace_id and w.user_id = m.user_id and w.month = ${thisMonth}
      order by u.name, m.user_id`,
    );
    const [first] = rows;
    if (!first) return null;
    return {
      month: first.month,
      quota: first.quota === null ? null : Number(first.quota),
      used: Number(first.used),
      members: rows.map((r) => ({ userId: r.user_id, name: r.name, messages: r.messages, tokens: Number(r.tokens) })),
    };
  }

  /** For instance admins on /admin: every workspace with its member count and this month's totals; never a thread. */
  async function overviewForAdmin(): Promise<
    { id: string; name: string; slug: string; members: number; messages: number; tokens: number; createdAt: Date }[]
  > {
    const rows = await queryRows<{
      id: string;
      name: string;
      slug: string;
      members: number;
      messages: number;
      tokens: string;
      created_at: string;
    }>(
      db,
      sql`
      select w.id, w.name, w.slug, to_json(w.created_at)#>>'{}' as created_at,
             (select count(*) from ${workspaceMember} m where m.workspace_id = w.id)::int as members,
             coalesce((select sum(u.messages) from ${workspaceUsageMonth} u where u.workspace_id = w.id and u.month = ${thisMonth}), 0)::int as messages,
             coalesce((select sum(u.input_tokens + u.output_tokens) from ${workspaceUsageMonth} u where u.workspace_id = w.id and u.month = ${thisMonth}), 0)::bigint::text as tokens
      from ${workspace} w
      order by w.created_at desc, w.id
      limit 500`,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      slug: r.slug,
      members: r.members,
      messages: r.messages,
      tokens: Number(r.tokens),
      createdAt: new Date(r.created_at),
    }));
  }

  return {
    membershipForUser,
    listForUser,
    detailsForMember,
    removeMemberFor,
    leaveFor,
    changeRoleFor,
    deleteFor,
    setQuotaFor,
    removeWorkspacesOnlyHeldBy,
    usageForManager,
    overviewForAdmin,
  };
}

export const workspaces = createWorkspaceStore();
