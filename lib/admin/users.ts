import "server-only";
import { eq, sql } from "drizzle-orm";
import type { auth, AuthSession } from "@/auth";
import type { AppDatabase } from "@/db/connect";
import { passkey, session, twoFactor, usageMonth, user } from "@/db/schema";
import { ApiError, fromAuthRefusal, notFound } from "@/lib/http/errors";
import { requestOrigin, type Audit } from "@/lib/admin/audit";
import { decodeKeysetCursor, keyset } from "@/lib/db/keyset-cursor";
import { queryRows } from "@/lib/db/rows";
import { createUsage, thisMonth } from "@/lib/chat/usage";
import type { AdminUserRow } from "@/lib/shared/admin";

// better-auth's user ids: letters, digits, - and _.
const userIdPattern = /^[\w-]{1,100}$/;

/** A page cursor from `listUsers`, or undefined for anything else. */
export const decodeUserCursor = (value: string | undefined) => decodeKeysetCursor(value, userIdPattern);

type UserListRow = {
  id: string;
  name: string;
  email: string;
  role: string;
  banned: boolean;
  ban_reason: string | null;
  ban_expires: string | null;
  approval_status: string | null;
  token_quota: string | null;
  created_at: string;
  last_active_at: string | null;
  two_factor_enabled: boolean;
  passkeys: number;
  messages: number;
  tokens: string;
};

// Newest accounts first. created_at keeps its microseconds: the cursor carries it as the database's string.
const byCreation = keyset(sql`u.created_at`, sql`u.id`);

type AuthApi = Pick<
  typeof auth.api,
  "banUser" | "unbanUser" | "setRole" | "revokeUserSessions" | "removeUser" | "requestPasswordReset"
>;

/** Who did an admin operation, as the audit log and better-auth's own checks need it. */
export type AdminCaller = { user: AuthSession["user"]; headers: Headers };

/** The admin's account operations; the app's instance is made where the better-auth instance is at hand (lib/http/caller.ts). */
export function createAdminUsers(db: AppDatabase, api: AuthApi, log: Audit) {
  const usage = createUsage(db);
  const record = (
    caller: AdminCaller,
    event: Omit<Parameters<Audit["record"]>[0], "actor" | "address" | "userAgent">,
  ) => log.record({ ...event, actor: caller.user, ...requestOrigin(caller.headers) });

  /** The account, or a 404 exactly like an id that never existed. */
  async function existing(userId: string): Promise<AdminUserRow> {
    const found = userIdPattern.test(userId) ? await listUsers({ id: userId, limit: 1 }) : null;
    if (!found?.users[0]) throw notFound("User");
    return found.users[0];
  }

  /** better-auth's admin plugin does bans, roles, session revocation and removal; its hooks keep the last admin and write the audit log. */
  async function viaAuth(userId: string, call: () => Promise<unknown>): Promise<void> {
    await existing(userId);
    await call().catch(fromAuthRefusal);
  }

  /** Newest accounts first, 50 a page (keyset: pass `nextCursor` as `after`), optionally matching name or email. */
  async function listUsers(
    options: { q?: string; after?: string; limit?: number; id?: string } = {},
  ): Promise<{ users: AdminUserRow[]; nextCursor: string | null }> {
    const limit = options.limit ?? 50;
    const after = decodeUserCursor(options.after);
    const q = options.q?.trim().slice(0, 200);
    const pattern = q ? `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const rows = await queryRows<UserListRow>(
      db,
      sql`
      select u.id, u.name, u.email, coalesce(u.role, 'user') as role, coalesce(u.banned, false) and (u.ban_expires is null or u.ban_expires > now()) as banned, u.ban_reason, to_json(u.ban_expires)#>>'{}' as ban_expires, u.approval_status, u.token_quota::text as token_quota,
             to_json(u.created_at)#>>'{}' as created_at,
             (select to_json(max(s.updated_at))#>>'{}' from ${session} s where s.user_id = u.id) as last_active_at,
             coalesce(u.two_factor_enabled, false) as two_factor_enabled,
             (select count(*) from ${passkey} p where p.user_id = u.id)::int as passkeys,
             coalesce(m.messages, 0)::int as messages, coalesce(m.tokens, 0)::bigint::text as tokens
      from ${user} u
      left join lateral (
        select sum(messages) as messages, sum(input_tokens + output_tokens) as tokens from ${usageMonth}
        where user_id = u.id and month = ${thisMonth}
      ) m on true
      where (${pattern}::text is null or u.name ilike ${pattern} or u.email ilike ${pattern})
        and (${options.id ?? null}::text is null or u.id = ${options.id ?? null})
        and ${byCreation.after(after) ?? sql`true`}
      order by ${sql.join(byCreation.orderBy, sql`, `)}
      limit ${byCreation.limit(limit)}`,
    );
    const page = byCreation.page(rows, limit, (r) => ({ at: r.created_at, id: r.id }));
    const users = page.rows.map((r): AdminUserRow => ({
      id: r.id,
      name: r.name,
      email: r.email,
      role: r.role,
      status: r.banned ? "banned" : r.approval_status === "pending" ? "pending" : "active",
      banReason: r.banned ? r.ban_reason : null,
      banExpiresAt: r.banned && r.ban_expires ? new Date(r.ban_expires).toISOString() : null,
      createdAt: new Date(r.created_at).toISOString(),
      lastActiveAt: r.last_active_at ? new Date(r.last_active_at).toISOString() : null,
      messagesThisMonth: r.messages,
      tokensThisMonth: Number(r.tokens),
      tokenQuota: r.token_quota === null ? null : Number(r.token_quota),
      twoFactorEnabled: r.two_factor_enabled,
      passkeys: r.passkeys,
    }));
    return { users, nextCursor: page.nextCursor };
  }

  return {
    listUsers,
    get: existing,

    /** Lets a pending account in (SIGNUP_MODE=approval). */
    async approve(caller: AdminCaller, userId: string): Promise<AdminUserRow> {
      const target = await existing(userId);
      if (target.status !== "pending")
        throw new ApiError("bad_request", `${target.email} is not waiting for approval.`);
      await db.update(user).set({ approvalStatus: null }).where(eq(user.id, userId));
      await record(caller, { action: "user_approved", target });
      return existing(userId);
    },

    /** Signs them out everywhere and keeps them out until `expiresAt` (or for good); signing in then says why. */
    async ban(
      caller: AdminCaller,
      userId: string,
      options: { reason?: string; expiresAt?: Date },
    ): Promise<AdminUserRow> {
      const banExpiresIn = options.expiresAt
        ? Math.max(1, Math.ceil((options.expiresAt.getTime() - Date.now()) / 1000))
        : undefined;
      await viaAuth(userId, () =>
        api.banUser({
          headers: caller.headers,
          body: { userId, banReason: options.reason || undefined, banExpiresIn },
        }),
      );
      return existing(userId);
    },

    async unban(caller: AdminCaller, userId: string): Promise<AdminUserRow> {
      await viaAuth(userId, () => api.unbanUser({ headers: caller.headers, body: { userId } }));
      return existing(userId);
    },

    async setRole(caller: AdminCaller, userId: string, role: "admin" | "user"): Promise<AdminUserRow> {
      await viaAuth(userId, () => api.setRole({ headers: caller.headers, body: { userId, role } }));
      return existing(userId);
    },

    /** A person's monthly token quota; null goes back to TOKEN_QUOTA_PER_MONTH. */
    async setQuota(caller: AdminCaller, userId: string, tokens: number | null): Promise<AdminUserRow> {
      const target = await existing(userId);
      await usage.setQuotaForUser(userId, tokens);
      await record(caller, { action: "quota_changed", target, detail: { tokens: tokens ?? "default" } });
      return existing(userId);
    },

    /** For someone who lost their authenticator: two-factor off and its secret and backup codes gone; they turn it on again themselves. */
    async resetTwoFactor(caller: AdminCaller, userId: string): Promise<AdminUserRow> {
      const target = await existing(userId);
      await db.transaction(async (tx) => {
        await tx.delete(twoFactor).where(eq(twoFactor.userId, userId));
        await tx.update(user).set({ twoFactorEnabled: false }).where(eq(user.id, userId));
      });
      await record(caller, { action: "two_factor_reset", target, detail: { wasEnabled: target.twoFactorEnabled } });
      return existing(userId);
    },

    /**
     * How an admin helps someone back in: the reset link goes to the person's own mailbox (the
     * server log without SMTP_URL), never to the admin, and every session of theirs ends when the
     * new password is set. An admin can never set a password, change an email or sign in as someone.
     */
    async sendPasswordReset(caller: AdminCaller, userId: string): Promise<void> {
      const target = await existing(userId);
      await api
        .requestPasswordReset({ headers: caller.headers, body: { email: target.email, redirectTo: "/reset-password" } })
        .catch(fromAuthRefusal);
      await record(caller, { action: "admin_password_reset_sent", target });
    },

    async revokeSessions(caller: AdminCaller, userId: string): Promise<void> {
      await viaAuth(userId, () => api.revokeUserSessions({ headers: caller.headers, body: { userId } }));
    },

    /** The account and everything of theirs (threads, messages, sessions cascade from "user"). */
    async remove(caller: AdminCaller, userId: string): Promise<void> {
      await viaAuth(userId, () => api.removeUser({ headers: caller.headers, body: { userId } }));
    },
  };
}
