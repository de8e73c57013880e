import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { APIError, type createAuthMiddleware } from "better-auth/api";
import { z } from "zod";
import type { AppDatabase } from "@/db/connect";
import { queryRows } from "@/lib/db/rows";
import { signInFailure } from "@/db/schema";
import { atMostEvery } from "@/lib/observability/at-most-every";
import { logAuthEvent } from "@/lib/auth/auth-log";
import { clientAddressOf } from "@/lib/http/client-address";
import { positiveIntFromEnv, type Env } from "@/lib/config/env";

export function readSignInLockoutLimits(env: Env = process.env) {
  return {
    maxFailures: positiveIntFromEnv(env, "AUTH_ACCOUNT_MAX_FAILURES", 5),
    windowSeconds: positiveIntFromEnv(env, "AUTH_ACCOUNT_WINDOW_S", 900),
  };
}

export type SignInLockoutLimits = ReturnType<typeof readSignInLockoutLimits>;

/** Unknown clients share one counter per email; a known device has its own (see `knownDeviceOf`). */
const anyDevice = "";

/**
 * Password attempts per email address, counted in the database so the limit holds whatever client
 * address an attacker claims and on every app instance. An attempt is counted *before* the
 * password is checked, in one atomic statement, so a burst of parallel guesses cannot all pass
 * the check before the first failure is written; a success clears the count and an attempt that
 * never reached the password check is handed back.
 */
export function createSignInLockout(db: AppDatabase, limits: SignInLockoutLimits) {
  const window = sql`make_interval(secs => ${limits.windowSeconds})`;
  const rowOf = (email: string, device: string) =>
    and(eq(signInFailure.email, email), eq(signInFailure.device, device));
  /** Rows whose window is over carry no information; at most once a minute, off the request path. */
  const prune = atMostEvery(
    60_000,
    () => db.delete(signInFailure).where(sql`${signInFailure.expiresAt} < now()`),
    "sign-in lockout: could not prune old failures",
  );

  return {
    /** Counts an attempt; `retryAfter` (seconds) when this email already had its failures in the current window. */
    async reserve(email: string, device: string): Promise<{ attempt: number; retryAfter: number | null }> {
      // Within the window the row's count grows by one per attempt (refused ones too, harmlessly);
      // past it, the window restarts at this attempt. SET expressions read the row as it was.
      const rows = await queryRows<{ failures: number; retry_after: number }>(
        db,
        sql`
        insert into ${signInFailure} as f (email, device, failures, window_start, expires_at)
        values (${email}, ${device}, 1, now(), now() + ${window})
        on conflict (email, device) do update set
          failures = case when f.expires_at > now() then f.failures + 1 else 1 end,
          window_start = case when f.expires_at > now() then f.window_start else now() end,
          expires_at = case when f.expires_at > now() then f.expires_at else now() + ${window} end
        returning failures, ceil(extract(epoch from expires_at - now()))::int as retry_after`,
      );
      prune();
      const { failures, retry_after } = rows[0]!;
      return { attempt: failures, retryAfter: failures > limits.maxFailures ? Math.max(1, retry_after) : null };
    },

    async failures(email: string, device: string): Promise<number> {
      const [row] = await db
        .select({ failures: signInFailure.failures })
        .from(signInFailure)
        .where(rowOf(email, device));
      return row?.failures ?? 0;
    },

    /** An attempt that ended before its password was judged (bad request, database fault) does not count. */
    async release(email: string, device: string): Promise<void> {
      await db
        .update(signInFailure)
        .set({ failures: sql`greatest(${signInFailure.failures} - 1, 0)` })
        .where(rowOf(email, device));
    },

    /** The right password: the count of this email (for this device) starts again. */
    async clear(email: string, device: string): Promise<void> {
      await db.delete(signInFailure).where(rowOf(email, device));
    },

    /** A completed password reset proves the owner holds the mailbox: every count for the email goes. */
    async clearEmail(email: string): Promise<void> {
      await db.delete(signInFailure).where(eq(signInFailure.email, normalizeEmail(email)));
    },
  };
}

export type SignInLockout = ReturnType<typeof createSignInLockout>;

export const normalizeEmail = (email: string) => email.trim().toLowerCase();

// A browser where this account signed in with its password before: attempts from it are counted
// on their own, so an attacker who locks the email out does not lock the owner's own devices out.
// The cookie is signed with the auth secret (it cannot be forged) and names accounts by a hash.
const KNOWN_DEVICE_COOKIE = "known_device";
const knownDeviceMaxAge = 60 * 60 * 24 * 180;
const maxAccountsPerDevice = 10;
const accountTag = (email: string) => createHash("sha256").update(email).digest("base64url").slice(0, 16);

/** What better-auth hands a `hooks.before` / `hooks.after` middleware (see auth.ts). */
export type AuthHookContext = Parameters<Parameters<typeof createAuthMiddleware>[0]>[0];

async function readKnownDevice(ctx: AuthHookContext): Promise<{ id: string; tags: string[] } | null> {
  const cookie = ctx.context.createAuthCookie(KNOWN_DEVICE_COOKIE);
  const value = await ctx.getSignedCookie(cookie.name, ctx.context.secret);
  if (!value) return null;
  const [id, tags = ""] = value.split("|");
  return id ? { id, tags: tags.split(",").filter(Boolean) } : null;
}

async function rememberDevice(ctx: AuthHookContext, email: string): Promise<void> {
  const known = await readKnownDevice(ctx);
  const id = known?.id ?? randomBytes(12).toString("base64url");
  const tags = [accountTag(email), ...(known?.tags ?? []).filter((t) => t !== accountTag(email))].slice(
    0,
    maxAccountsPerDevice,
  );
  const cookie = ctx.context.createAuthCookie(KNOWN_DEVICE_COOKIE, { maxAge: knownDeviceMaxAge });
  await ctx.setSignedCookie(cookie.name, `${id}|${tags.join(",")}`, ctx.context.secret, cookie.attributes);
}

const signInPath = "/sign-in/email";
const validEmail = z.email();

/** What the hooks need to know about this attempt: the normalized email and which counter it uses. */
async function attemptOf(ctx: AuthHookContext) {
  if (ctx.path !== signInPath) return null;
  const raw = (ctx.body as { email?: unknown } | undefined)?.email;
  if (typeof raw !== "string" || !validEmail.safeParse(raw).success) return null; // better-auth answers 400
  const email = normalizeEmail(raw);
  const known = await readKnownDevice(ctx);
  const device = known?.tags.includes(accountTag(email)) ? known.id : anyDevice;
  const headers = ctx.request?.headers ?? ctx.headers;
  return { email, device, address: headers ? clientAddressOf(headers) : null };
}

/** Hooks that put the lockout around `/sign-in/email` (for HTTP and `auth.api` calls alike); auth.ts runs them. */
export function signInLockoutHooks(lockout: SignInLockout, limits: SignInLockoutLimits) {
  return {
    async before(ctx: AuthHookContext) {
      const attempt = await attemptOf(ctx);
      if (!attempt) return;
      const { retryAfter } = await lockout.reserve(attempt.email, attempt.device);
      if (retryAfter === null) return;
      logAuthEvent("sign_in_locked", {
        email: attempt.email,
        address: attempt.address,
        knownDevice: attempt.device !== anyDevice,
        retryAfter,
      });
      const minutes = Math.ceil(retryAfter / 60);
      throw new APIError(
        "TOO_MANY_REQUESTS",
        {
          code: "TOO_MANY_FAILED_SIGN_INS",
          message: `Too many failed sign-ins for this account. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}, or reset your password.`,
        },
        { "Retry-After": String(retryAfter) },
      );
    },
    async after(ctx: AuthHookContext) {
      const attempt = await attemptOf(ctx);
      if (!attempt) return;
      const returned = ctx.context.returned;
      if (returned instanceof APIError && returned.statusCode === 401) {
        // Counted before the check; the log says how far this email is from its lock.
        const failures = await lockout.failures(attempt.email, attempt.device);
        logAuthEvent("sign_in_failed", {
          email: attempt.email,
          address: attempt.address,
          knownDevice: attempt.device !== anyDevice,
          failures,
          max: limits.maxFailures,
        });
        return;
      }
      if (returned instanceof APIError || !returned || typeof returned !== "object" || !("user" in returned)) {
        await lockout.release(attempt.email, attempt.device);
        return;
      }
      await lockout.clear(attempt.email, attempt.device);
      await rememberDevice(ctx, attempt.email);
    },
  };
}
