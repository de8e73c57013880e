import "server-only";
import { and, eq, sql } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { user, workspace, workspaceInvitation, type WorkspaceRole } from "@/db/schema";

/** How long a workspace invitation lasts, in days: the inviter picks within these bounds. */
export const invitationDays = { default: 7, min: 1, max: 30 } as const;

/** Pending invitations one workspace may have at once (revoked, used and expired ones do not count). */
export const maxPendingInvitations = 100;

/** better-auth's ids (an invitation's is the secret in its link): letters and digits. */
export const invitationIdPattern = /^[A-Za-z0-9_-]{16,64}$/;

export type InvitationState = "pending" | "expired" | "revoked" | "used";

export type InvitationView = {
  id: string;
  workspaceId: string;
  workspaceName: string;
  workspaceSlug: string;
  inviterName: string | null;
  email: string;
  role: WorkspaceRole;
  state: InvitationState;
  expiresAt: Date;
};

export function createInvitationStore(db: AppDatabase = defaultDb) {
  return {
    /**
     * What the invitation link's page shows. The id is the secret: whoever holds the link learns
     * the workspace's name and who invited whom, nothing else. Null for an unknown id.
     */
    async viewById(id: string): Promise<InvitationView | null> {
      if (!invitationIdPattern.test(id)) return null;
      const [row] = await db
        .select({
          id: workspaceInvitation.id,
          workspaceId: workspace.id,
          workspaceName: workspace.name,
          workspaceSlug: workspace.slug,
          inviterName: user.name,
          email: workspaceInvitation.email,
          role: workspaceInvitation.role,
          status: workspaceInvitation.status,
          expiresAt: workspaceInvitation.expiresAt,
          expired: sql<boolean>`${workspaceInvitation.expiresAt} <= now()`,
        })
        .from(workspaceInvitation)
        .innerJoin(workspace, eq(workspace.id, workspaceInvitation.organizationId))
        .leftJoin(user, eq(user.id, workspaceInvitation.inviterId))
        .where(eq(workspaceInvitation.id, id));
      if (!row) return null;
      const state: InvitationState =
        row.status === "accepted" ? "used" : row.status !== "pending" ? "revoked" : row.expired ? "expired" : "pending";
      return {
        id: row.id,
        workspaceId: row.workspaceId,
        workspaceName: row.workspaceName,
        workspaceSlug: row.workspaceSlug,
        inviterName: row.inviterName,
        email: row.email,
        role: row.role ?? "member",
        state,
        expiresAt: row.expiresAt,
      };
    },

    /**
     * Why this workspace invitation does not let `email` sign up on an invite-only instance, or
     * null when it does: pending, unexpired, and for exactly this address (lib/admin/signup-policy.ts).
     * Its answer depends on the invitation and the typed address only, never on whether that
     * address has an account.
     */
    async signupRefusal(id: string, email: string): Promise<string | null> {
      const view = await this.viewById(id);
      if (!view) return "This workspace invitation link is not valid.";
      if (view.state !== "pending")
        return `This workspace invitation ${{ expired: "has expired", revoked: "was revoked", used: "has already been used" }[view.state]}.`;
      if (view.email.toLowerCase() !== email.trim().toLowerCase())
        return "This workspace invitation is for another email address: sign up with the address it was sent to.";
      return null;
    },

    /** How many unexpired invitations of the workspace are waiting. */
    async pendingCount(workspaceId: string): Promise<number> {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(workspaceInvitation)
        .where(
          and(
            eq(workspaceInvitation.organizationId, workspaceId),
            eq(workspaceInvitation.status, "pending"),
            sql`${workspaceInvitation.expiresAt} > now()`,
          ),
        );
      return row.n;
    },

    /** Sets a new invitation's expiry to what the inviter chose (better-auth gives every one the default). */
    async setExpiry(id: string, days: number): Promise<Date> {
      const [row] = await db
        .update(workspaceInvitation)
        .set({ expiresAt: sql`now() + make_interval(days => ${days})` })
        .where(eq(workspaceInvitation.id, id))
        .returning({ expiresAt: workspaceInvitation.expiresAt });
      return row.expiresAt;
    },
  };
}

export const workspaceInvitations = createInvitationStore();
