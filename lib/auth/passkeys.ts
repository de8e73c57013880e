import "server-only";
import { desc, eq } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { passkey } from "@/db/schema";
import type { PasskeyRow } from "@/lib/shared/account";

/** A person's passkeys as /account lists them (never the public key or credential id), and when each last signed them in. */
export function createPasskeys(db: AppDatabase = defaultDb) {
  return {
    async listForUser(userId: string): Promise<PasskeyRow[]> {
      const rows = await db
        .select({
          id: passkey.id,
          name: passkey.name,
          createdAt: passkey.createdAt,
          lastUsedAt: passkey.lastUsedAt,
          backedUp: passkey.backedUp,
        })
        .from(passkey)
        .where(eq(passkey.userId, userId))
        .orderBy(desc(passkey.createdAt));
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        createdAt: r.createdAt?.toISOString() ?? null,
        lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
        synced: r.backedUp,
      }));
    },

    /** After a passkey signed someone in (its WebAuthn credential id, as the browser sent it). */
    async markUsed(credentialId: string): Promise<void> {
      await db.update(passkey).set({ lastUsedAt: new Date() }).where(eq(passkey.credentialID, credentialId));
    },
  };
}

export const passkeys = createPasskeys();
