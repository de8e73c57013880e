import "server-only";
import { getSessionFromCtx } from "better-auth/api";
import { requestOrigin, type Audit } from "@/lib/admin/audit";
import type { AuthSession } from "@/auth";
import type { AuthHookContext } from "@/lib/auth/sign-in-lockout";
import type { AuditAction } from "@/lib/shared/admin";

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
  type DbHookContext =
    | {
        path?: string;
        params?: Record<string, unknown>;
        headers?: Headers;
        request?: Request;
        context?: { session?: { user?: { id?: string } } | null };
      }
    | null
    | undefined;
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
      await log.record({
        action: "sign_in",
        outcome: "failure",
        actor: { email },
        target: { id: await log.idOf(email), email },
        detail: { reason: code },
        ...where(ctx),
      });
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
      await log.record({
        action: "account_linked",
        actor: owner,
        target: owner,
        detail: { method: account.providerId },
        ...where(ctx),
      });
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
      // Hook contexts are typed without the plugins' fields; what the endpoints return is the app's user.
      type User = Pick<AuthSession["user"], "id" | "email" | "twoFactorEnabled">;
      const returned = ctx.context.returned as { user?: User } | Error | undefined;
      const failed = returned instanceof Error;
      if (ctx.path === "/sign-in/email" || ctx.path === "/sign-up/email") {
        let user = !failed ? returned?.user : undefined;
        const email = str(body(ctx).email);
        // With SMTP_URL set, a taken address (or one the sign-up policy refused) gets an answer
        // that looks like a new account but made none: not a sign-up.
        const notMade =
          ctx.path === "/sign-up/email" &&
          user &&
          (returned as { token?: unknown }).token === null &&
          !(await log.emailOf(user.id));
        if (notMade) user = undefined;
        // The right password on an account with two-factor is not a sign-in yet (this hook runs
        // before the plugin's): "challenged", and the code step records the sign-in. A browser
        // with a valid "trust this device" cookie is let in without the code.
        const challenged = ctx.path === "/sign-in/email" && user?.twoFactorEnabled && !(await trustedDevice(ctx));
        await log.record({
          action: ctx.path === "/sign-in/email" ? "sign_in" : "sign_up",
          outcome: challenged ? "challenged" : user ? "success" : "failure",
          actor: user ?? { email },
          // A failed sign-in is an event of the account it tried, shown to its owner too.
          target: user ? null : ctx.path === "/sign-in/email" ? { id: await log.idOf(email), email } : null,
          detail: failed
            ? { reason: (returned as { body?: { code?: string } }).body?.code ?? "error" }
            : notMade
              ? { reason: "NO_ACCOUNT_MADE" }
              : { method: "email" },
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
          detail: {
            method: signInMethods[ctx.path]!,
            reason: (returned as { body?: { code?: string } }).body?.code ?? "error",
          },
          ...where(ctx),
        });
        return;
      }
      // Confirming the first code while signed in is what turns two-factor on.
      const before = ctx.context.session?.user as User | undefined;
      if (ctx.path === "/two-factor/verify-totp" && !failed && before && !before.twoFactorEnabled) {
        await log.record({
          action: "two_factor_enabled",
          actor: ctx.context.session!.user,
          target: ctx.context.session!.user,
          ...where(ctx),
        });
        return;
      }
      const action = sessionActions[ctx.path];
      if (!action || failed) return;
      const actor = ctx.context.session?.user ?? null;
      const targetId = str(body(ctx).userId);
      const detail: Record<string, string> = {};
      if (action === "role_changed" && typeof body(ctx).role === "string") detail.role = body(ctx).role as string;
      if (action === "user_banned" && str(body(ctx).banReason))
        detail.reason = (body(ctx).banReason as string).slice(0, 500);
      const target = targetId ? { id: targetId, email: await log.emailOf(targetId) } : actor;
      await log.record({ action, actor, target, detail, ...where(ctx) });
    },
  };
}
