import { eq, sql } from "drizzle-orm";
import { db as defaultDb } from "@/db";
import type { AppDatabase } from "@/db/connect";
import { session, usageMonth, user } from "@/db/schema";
import { decodeKeysetCursor, encodeKeysetCursor } from "./keyset-cursor";
import { thisMonth } from "./usage";

/**
 * The accounts of the instance as an admin sees them: who they are, their standing and what they
 * spend; never a thread, a title or a message (admins manage accounts, not conversations).
 */
export type AdminUserRow = {
  id: string;
  name: string;
  email: string;
  role: string;
  status: "active" | "pending" | "banned";
  banReason: string | null;
  createdAt: string;
  lastActiveAt: string | null;
  messagesThisMonth: number;
  tokensThisMonth: number;
  /** The monthly token quota an admin set for this person; null: the instance's default. */
  tokenQuota: number | null;
};

// better-auth's user ids: letters, digits, - and _.
const userIdPattern = /^[\w-]{1,100}$/;

export function createAdminUsers(db: AppDatabase = defaultDb) {
  return {
    /** Lets a pending account in (SIGNUP_MODE=approval). */
    async approve(userId: string): Promise<void> {
      await db.update(user).set({ approvalStatus: null }).where(eq(user.id, userId));
    },

    /** Newest accounts first, 50 a page (keyset: pass `nextCursor` as `after`), optionally matching name or email. */
    async listUsers(options: { q?: string; after?: string; limit?: number } = {}): Promise<{ users: AdminUserRow[]; nextCursor: string | null }> {
      const limit = options.limit ?? 50;
      const after = decodeKeysetCursor(options.after, userIdPattern);
      const q = options.q?.trim().slice(0, 200);
      const pattern = q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
      const { rows } = (await db.execute(sql`
        select u.id, u.name, u.email, coalesce(u.role, 'user') as role, coalesce(u.banned, false) as banned, u.ban_reason, u.approval_status, u.token_quota::text as token_quota,
               to_json(u.created_at)#>>'{}' as created_at,
               (select to_json(max(s.updated_at))#>>'{}' from ${session} s where s.user_id = u.id) as last_active_at,
               coalesce(m.messages, 0)::int as messages, coalesce(m.tokens, 0)::bigint::text as tokens
        from ${user} u
        left join lateral (
          select sum(messages) as messages, sum(input_tokens + output_tokens) as tokens from ${usageMonth}
          where user_id = u.id and month = ${thisMonth}
        ) m on true
        where (${pattern}::text is null or u.name ilike ${pattern} or u.email ilike ${pattern})
          and (${after?.at ?? null}::timestamptz is null or (u.created_at, u.id) < (${after?.at ?? null}::timestamptz, ${after?.id ?? ""}))
        order by u.created_at desc, u.id desc
        limit ${limit + 1}`)) as unknown as {
        rows: { id: string; name: string; email: string; role: string; banned: boolean; ban_reason: string | null; approval_status: string | null; token_quota: string | null; created_at: string; last_active_at: string | null; messages: number; tokens: string }[];
      };
      const page = rows.slice(0, limit).map(
        (r): AdminUserRow => ({
          id: r.id,
          name: r.name,
          email: r.email,
          role: r.role,
          status: r.banned ? "banned" : r.approval_status === "pending" ? "pending" : "active",
          banReason: r.ban_reason,
          createdAt: new Date(r.created_at).toISOString(),
          lastActiveAt: r.last_active_at ? new Date(r.last_active_at).toISOString() : null,
          messagesThisMonth: r.messages,
          tokensThisMonth: Number(r.tokens),
          tokenQuota: r.token_quota === null ? null : Number(r.token_quota),
        }),
      );
      const last = rows.length > limit ? rows[limit - 1] : undefined;
      return { users: page, nextCursor: last ? encodeKeysetCursor(last.created_at, last.id) : null };
    },
  };
}

export const adminUsers = createAdminUsers();
