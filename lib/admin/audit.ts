import "server-only";
import { logger } from "@/lib/observability/logger";
import { and, desc, eq, ilike, lt, or, sql, type SQL } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { auditEvent, user } from "@/db/schema";
import { getSessionFromCtx } from "better-auth/api";
import { clientAddressOf } from "@/lib/http/client-address";
import { decodeKeysetCursor, encodeKeysetCursor, uuidPattern } from "@/lib/db/keyset-cursor";
import { positiveIntFromEnv, type Env } from "@/lib/config/env";
import type { AuthHookContext } from "@/lib/auth/sign-in-lockout";
import { auditActions, type AuditAction, type AuditRow } from "@/lib/shared/admin";

// The actions live in lib/shared/ (the admin page's filter lists them); routes validate a filter against this same list.
export { auditActions };

export type AuditInput = {
  action: AuditAction;
  outcome?: "success" | "failure" | "challenged";
  actor?: { id?: string | null; email?: string | null } | null;
  target?: { id?: string | null; email?: string | null } | null;
  address?: string | null;
  userAgent?: string | null;
  /** Plain facts (a role, a mode, a reason): never a password, token or message text. */
  detail?: Record<string, string | number | boolean | null>;
};

/** A page cursor from the audit log, or undefined for anything else. */
export const decodeAuditCursor = (value: string | undefined) => decodeKeysetCursor(value, uuidPattern);

/** The audit log: one row per security event or admin action; rows older than AUDIT_RETENTION_DAYS go. */
export function createAudit(db: AppDatabase = defaultDb, retentionDays = positiveIntFromEnv(process.env as Env, "AUDIT_RETENTION_DAYS", 365)) {
  let lastPrune = 0;
  const columns = {
    id: auditEvent.id,
    at: auditEvent.at,
    action: auditEvent.action,
    outcome: auditEvent.outcome,
    actorEmail: auditEvent.actorEmail,
    targetEmail: auditEvent.targetEmail,
    address: auditEvent.address,
    userAgent: auditEvent.userAgent,
    detail: auditEvent.detail,
  };
  const page = async (where: SQL | undefined, after: string | undefined, limit: number) => {
    const cursor = decodeAuditCursor(after);
    const rows = await db
      .select(columns)
      .from(auditEvent)
      .where(and(where, cursor ? or(lt(auditEvent.at, new Date(cursor.at)), and(eq(auditEvent.at, new Date(cursor.at)), lt(auditEvent.id, cursor.id))) : undefined))
      .orderBy(desc(auditEvent.at), desc(auditEvent.id))
      .limit(limit + 1);
    const events: AuditRow[] = rows.slice(0, limit).map((r) => ({ ...r, at: r.at.toISOString() }));
    const last = rows.length > limit ? events.at(-1) : undefined;
    return { events, nextCursor: last ? encodeKeysetCursor(last.at, last.id) : null };
  };

  return {
    /** Best effort: a failure to audit is logged, never turned into a failure of what was audited. */
    async record(event: AuditInput): Promise<void> {
      try {
        await db.insert(auditEvent).values({
          action: event.action,
          outcome: event.outcome ?? "success",
          actorId: event.actor?.id ?? null,
          actorEmail: event.actor?.email?.toLowerCase().slice(0, 320) ?? null,
          targetId: event.target?.id ?? null,
          targetEmail: event.target?.email?.toLowerCase().slice(0, 320) ?? null,
          address: event.address ?? null,
          userAgent: event.userAgent?.slice(0, 500) ?? null,
          detail: event.detail ?? null,
        });
        if (Date.now() - lastPrune > 3_600_000) {
          lastPrune = Date.now();
          await db.delete(auditEvent).where(sql`${auditEvent.at} < now() - make_interval(days => ${retentionDays})`);
        }
      } catch (error) {
        logger.error({ err: error, action: event.action }, "audit: could not record");
      }
    },

    /** For /admin: newest first, 50 a page, by action, actor email (part of) and time range. */
    listForAdmin(filters: { action?: string; actor?: string; since?: string; until?: string; after?: string }) {
      const since = filters.since && !Number.isNaN(Date.parse(filters.since)) ? new Date(filters.since) : undefined;
      // A date alone ("2026-11-23") means up to the end of that day.
      const until =
        filters.until && !Number.isNaN(Date.parse(filters.until))
          ? new Date(Date.parse(filters.until) + (/^\d{4}-\d{2}-\d{2}$/.test(filters.until) ? 86_400_000 : 0))
          : undefined;
      const actor = filters.actor?.trim().slice(0, 200);
      return page(
        and(
          auditActions.includes(filters.action as AuditAction) ? eq(auditEvent.action, filters.action!) : undefined,
          actor ? ilike(auditEvent.actorEmail, `%${actor.replace(/[\\%_]/g, (c) => `\\${c}`)}%`) : undefined,
          since ? sql`${auditEvent.at} >= ${since}` : undefined,
          until ? sql`${auditEvent.at} < ${until}` : undefined,
        ),
        filters.after,
        50,
      );
    },

    /** The account an email names, so a failed sign-in shows among its owner's events. */
    async idOf(email: string | null): Promise<string | null> {
      if (!email) return null;
      const [row] = await db.select({ id: user.id }).from(user).where(eq(user.email, email.trim().toLowerCase()));
      return row?.id ?? null;
    },

    /** The email of an account, for the target column (null once the account is gone). */
    async emailOf(userId: string): Promise<string | null> {
      const [row] = await db.select({ email: user.email }).from(user).where(eq(user.id, userId));
      return row?.email ?? null;
    },

    /** For /account: the security events of this person, as actor or as target. */
    listForUser(userId: string, after?: string) {
      return page(or(eq(auditEvent.actorId, userId), eq(auditEvent.targetId, userId)), after, 20);
    },
  };
}

export const audit = createAudit();

/** Where a request came from, as the audit log keeps it. */
export const requestOrigin = (headers: Headers | null | undefined) => ({
  address: headers ? clientAddressOf(headers) : null,
  userAgent: headers?.get("user-agent") ?? null,
});

export type Audit = ReturnType<typeof createAudit>;

// better-auth endpoints that are security events, and what an admin's action on one is called.
const sessionActions: Record<string, AuditAction> = {
  "/change-password": "password_changed",
  "/revoke-session": "session_revoked",
  "/revoke-sessions": "session_revoked",
  "/revoke-other-sessions": "session_revoked",
  "/delete-user": "account_deleted",
  "/admin/ban-user": "user_banned",
  "/admin/unban-user": "user_unbanned",
  "/admin/set-role": "role_changed",
  "/admin/remove-user": "user_removed",
  "/admin/revoke-user-sessions": "user_sessions_revoked",
  "/two-factor/disable": "two_factor_disabled",
  "/two-factor/generate-backup-codes": "backup_codes_generated",
  "/passkey/verify-registration": "passkey_added",
  "/passkey/delete-passkey": "passkey_removed",
  "/unlink-account": "account_unlinked",
};

// How a session that is not a password sign-in came about, by the endpoint that made it.
const signInMethods: Record<string, string> = {
  "/two-factor/verify-totp": "password + authenticator code",
  "/two-factor/verify-backup-code": "password + backup code",
  "/passkey/verify-authentication": "passkey",
  "/verify-email": "email confirmation link",
};

// The second step of a password sign-in: a wrong code is a failed sign-in of that account.
const secondFactorPaths = new Set(["/two-factor/verify-totp", "/two-factor/verify-backup-code"]);

/** Whose second factor a sign-in's pending step is checking: the signed two-factor cookie names a verification row holding the user id. */
async function secondFactorUser(ctx: AuthHookContext): Promise<string | null> {
  try {
    const cookie = ctx.context.createAuthCookie("two_factor");
    const key = await ctx.getSignedCookie(cookie.name, ctx.context.secret);
    if (!key) return null;
    return (await ctx.context.internalAdapter.findVerificationValue(key))?.value ?? null;
  } catch {
    return null;
  }
}

/** Whether the request carries a "trust this device" cookie signed by this app (the two-factor plugin then skips the code). */
async function trustedDevice(ctx: AuthHookContext): Promise<boolean> {
  try {
    return Boolean(await ctx.getSignedCookie(ctx.context.createAuthCookie("trust_device").name, ctx.context.secret));
  } catch {
    return false;
  }
}

/** better-auth hooks that write the audit log for sign-in, sign-up, sign-out and account and admin actions. */
export function auditHooks(log: Audit) {
  const where = (ctx: { request?: Request; headers?: Headers }) => requestOrigin(ctx.request?.headers ?? ctx.headers);
  // Requests that made a user: the provider account made with it is part of that sign-up, not a link.
  const signUps = new WeakSet<object>();
  type DbHookContext = { path?: string; params?: Record<string, unknown>; headers?: Headers; request?: Request; context?: { session?: { user?: { id?: string } } | null } } | null | undefined;
  const body = (ctx: AuthHookContext) => (ctx.body ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === "string" ? v : null);
  return {
    /** Sign-out: recorded before, while the session still says who it was. */
    async before(ctx: AuthHookContext) {
      if (ctx.path !== "/sign-out") return;
      const session = await getSessionFromCtx(ctx).catch(() => null);
      if (session) await log.record({ action: "sign_out", actor: session.user, ...where(ctx) });
    },
    /** A sign-in refused before its password was checked (the account is locked). */
    async refused(ctx: AuthHookContext, error: unknown) {
      if (ctx.path !== "/sign-in/email") return;
      const code = (error as { body?: { code?: string } }).body?.code ?? "error";
      const email = str(body(ctx).email);
      await log.record({ action: "sign_in", outcome: "failure", actor: { email }, target: { id: await log.idOf(email), email }, detail: { reason: code }, ...where(ctx) });
    },
    /** A sign-up by any method but the email form (recorded with its outcome by `after`): SSO, GitHub, Google. */
    async userCreated(created: { id: string; email: string }, ctx: DbHookContext) {
      if (ctx) signUps.add(ctx);
      if (!ctx?.path || ctx.path === "/sign-up/email") return;
      const method = str(ctx.params?.providerId) ?? str(ctx.params?.id) ?? ctx.path.replace(/^\//, "");
      await log.record({ action: "sign_up", actor: created, detail: { method }, ...where(ctx) });
    },
    /** A sign-in method joined to an existing account (a provider linked from /account, or an SSO identity whose email matched). */
    async accountCreated(account: { userId: string; providerId: string }, ctx: DbHookContext) {
      if (!ctx || signUps.has(ctx) || account.providerId === "credential") return;
      const owner = { id: account.userId, email: await log.emailOf(account.userId) };
      await log.record({ action: "account_linked", actor: owner, target: owner, detail: { method: account.providerId }, ...where(ctx) });
    },
    /**
     * Every sign-in makes a session; email sign-in and sign-up are recorded by `after`, with their
     * failures. This records the others (social and single sign-on callbacks, passkeys, the second
     * factor, the sign-in that follows an email confirmation), named by their provider or endpoint.
     */
    async sessionCreated(session: { userId: string }, ctx: DbHookContext) {
      if (!ctx?.path || ctx.path === "/sign-in/email" || ctx.path === "/sign-up/email") return;
      // A new session for someone already signed in (turning on two-factor renews it) is no sign-in.
      if (ctx.context?.session?.user?.id === session.userId) return;
      const provider = str(ctx.params?.providerId) ?? str(ctx.params?.id);
      const method = provider ?? signInMethods[ctx.path] ?? ctx.path.replace(/^\//, "");
      const actor = { id: session.userId, email: await log.emailOf(session.userId) };
      await log.record({ action: "sign_in", actor, detail: { method }, ...where(ctx) });
    },
    async after(ctx: AuthHookContext) {
      const returned = ctx.context.returned as { user?: { id: string; email: string } } | Error | undefined;
      const failed = returned instanceof Error;
      if (ctx.path === "/sign-in/email" || ctx.path === "/sign-up/email") {
        let user = !failed ? returned?.user : undefined;
        const email = str(body(ctx).email);
        // With SMTP_URL set, a taken address (or one the sign-up policy refused) gets an answer
        // that looks like a new account but made none: not a sign-up.
        const notMade = ctx.path === "/sign-up/email" && user && (returned as { token?: unknown }).token === null && !(await log.emailOf(user.id));
        if (notMade) user = undefined;
        // The right password on an account with two-factor is not a sign-in yet (this hook runs
        // before the plugin's): "challenged", and the code step records the sign-in. A browser
        // with a valid "trust this device" cookie is let in without the code.
        const challenged =
          ctx.path === "/sign-in/email" && (user as { twoFactorEnabled?: boolean | null } | undefined)?.twoFactorEnabled && !(await trustedDevice(ctx));
        await log.record({
          action: ctx.path === "/sign-in/email" ? "sign_in" : "sign_up",
          outcome: challenged ? "challenged" : user ? "success" : "failure",
          actor: user ?? { email },
          // A failed sign-in is an event of the account it tried, shown to its owner too.
          target: user ? null : ctx.path === "/sign-in/email" ? { id: await log.idOf(email), email } : null,
          detail: failed ? { reason: (returned as { body?: { code?: string } }).body?.code ?? "error" } : notMade ? { reason: "NO_ACCOUNT_MADE" } : { method: "email" },
          ...where(ctx),
        });
        return;
      }
      if (secondFactorPaths.has(ctx.path) && failed) {
        const userId = await secondFactorUser(ctx);
        const account = userId ? { id: userId, email: await log.emailOf(userId) } : null;
        await log.record({
          action: "sign_in",
          outcome: "failure",
          actor: account,
          target: account,
          detail: { method: signInMethods[ctx.path]!, reason: (returned as { body?: { code?: string } }).body?.code ?? "error" },
          ...where(ctx),
        });
        return;
      }
      // Confirming the first code while signed in is what turns two-factor on.
      const before = ctx.context.session?.user as { twoFactorEnabled?: boolean | null } | undefined;
      if (ctx.path === "/two-factor/verify-totp" && !failed && before && !before.twoFactorEnabled) {
        await log.record({ action: "two_factor_enabled", actor: ctx.context.session!.user, target: ctx.context.session!.user, ...where(ctx) });
        return;
      }
      const action = sessionActions[ctx.path];
      if (!action || failed) return;
      const actor = ctx.context.session?.user ?? null;
      const targetId = str(body(ctx).userId);
      const detail: Record<string, string> = {};
      if (action === "role_changed" && typeof body(ctx).role === "string") detail.role = body(ctx).role as string;
      if (action === "user_banned" && str(body(ctx).banReason)) detail.reason = (body(ctx).banReason as string).slice(0, 500);
      const target = targetId ? { id: targetId, email: await log.emailOf(targetId) } : actor;
      await log.record({ action, actor, target, detail, ...where(ctx) });
    },
  };
}
