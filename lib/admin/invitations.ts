import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, sql } from "drizzle-orm";
import { APIError } from "better-auth/api";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { invitation } from "@/db/schema";
import type { InvitationRow } from "@/lib/shared/admin";

const hashOf = (token: string) => createHash("sha256").update(token).digest("base64url");

const statusOf = (i: typeof invitation.$inferSelect, now = Date.now()): InvitationRow["status"] =>
  i.revokedAt ? "revoked" : i.expiresAt.getTime() <= now ? "expired" : i.uses >= i.maxUses ? "used up" : "active";

const rowOf = (i: typeof invitation.$inferSelect): InvitationRow => ({
  id: i.id,
  email: i.email,
  maxUses: i.maxUses,
  uses: i.uses,
  expiresAt: i.expiresAt.toISOString(),
  status: statusOf(i),
});

const invalid = (message: string) => new APIError("FORBIDDEN", { code: "INVITATION_INVALID", message });

/** An invitation `email` may use now: not revoked, not expired, uses left, for this address or any. */
const usable = (email: string) =>
  sql`${invitation.revokedAt} is null and ${invitation.expiresAt} > now() and ${invitation.uses} < ${invitation.maxUses}
      and (${invitation.email} is null or ${invitation.email} = ${email.toLowerCase()})`;

/**
 * Invitation links made by admins: a token nobody can guess (only its hash is stored), a number
 * of uses, an end date, optionally one email address, revocable. Using one is a single atomic
 * statement, so two people cannot both take its last use.
 */
export function createInvitations(db: AppDatabase = defaultDb) {
  return {
    /** The token is returned once, to build the link; it cannot be read back later. */
    async create(
      adminId: string,
      options: { maxUses: number; expiresInDays: number; email?: string | null },
    ): Promise<{ token: string; invitation: InvitationRow }> {
      const token = randomBytes(24).toString("base64url");
      const [created] = await db
        .insert(invitation)
        .values({
          tokenHash: hashOf(token),
          email: options.email?.trim().toLowerCase() || null,
          maxUses: options.maxUses,
          expiresAt: new Date(Date.now() + options.expiresInDays * 86_400_000),
          createdBy: adminId,
        })
        .returning();
      return { token, invitation: rowOf(created!) };
    },

    async list(): Promise<InvitationRow[]> {
      const rows = await db.select().from(invitation).orderBy(desc(invitation.createdAt)).limit(100);
      return rows.map(rowOf);
    },

    /** False when no invitation has this id. Revoking twice keeps the first time. */
    async revoke(id: string): Promise<boolean> {
      const found = await db
        .update(invitation)
        .set({ revokedAt: sql`coalesce(${invitation.revokedAt}, now())` })
        .where(eq(invitation.id, id))
        .returning({ id: invitation.id });
      return found.length > 0;
    },

    /** Takes one use of the invitation for `email`, or throws an APIError that says what is wrong with it. */
    async use(token: string, email: string): Promise<void> {
      const taken = await db
        .update(invitation)
        .set({ uses: sql`${invitation.uses} + 1` })
        .where(and(eq(invitation.tokenHash, hashOf(token)), usable(email)))
        .returning({ id: invitation.id });
      if (taken.length > 0) return;
      throw (await this.refusal(token, email)) ?? invalid("This invitation cannot be used.");
    },

    /**
     * What is wrong with the invitation for `email`, without taking a use; null when it can be
     * used. Sign-up asks before it looks the address up, so the answer never depends on whether
     * the address already has an account.
     */
    async refusal(token: string, email: string): Promise<APIError | null> {
      const [found] = await db
        .select()
        .from(invitation)
        .where(eq(invitation.tokenHash, hashOf(token)));
      if (!found) return invalid("This invitation link is not valid.");
      if (found.email && found.email !== email.toLowerCase())
        return invalid("This invitation is for another email address.");
      const status = statusOf(found);
      if (status === "active") return null;
      return invalid(
        {
          revoked: "This invitation was revoked.",
          expired: "This invitation has expired.",
          "used up": "This invitation has been used up.",
        }[status],
      );
    },
  };
}

export const invitations = createInvitations();
