import "server-only";
import { and, eq, isNull, lt, or } from "drizzle-orm";
import { getSessionFromCtx } from "better-auth/api";
import { symmetricDecrypt } from "better-auth/crypto";
import { base32 } from "@better-auth/utils/base32";
import { createOTP } from "@better-auth/utils/otp";
import type { AppDatabase } from "@/db/connect";
import { twoFactor } from "@/db/schema";
import type { AuthHookContext } from "@/lib/auth/sign-in-lockout";

// better-auth's two-factor plugin as configured in auth.ts: 6 digits, 30 s steps, and it accepts
// the step before and after the current one (clock drift).
const period = 30;
const digits = 6;
const window = 1;

/** A value better-auth's TOTP check can never accept: a replayed code gets exactly the wrong-code answer. */
const REFUSED_CODE = "";

/**
 * A TOTP code is good once (RFC 6238 §5.2). better-auth accepts a code again and again within its
 * 90 s window, so a code seen over a shoulder, phished or logged could be used a second time.
 * Before the plugin checks a code, this finds the time step it belongs to and claims it for the
 * account in one conditional UPDATE (the newest accepted step only moves forward), so of two
 * requests racing with the same code one wins. A code whose step is not newer than the last one
 * accepted is swapped for one that cannot match: the plugin then refuses it exactly like a wrong
 * code (same answer, same failure count, same audit row). Signing in and turning two-factor on
 * both go through /two-factor/verify-totp, so both count.
 */
export function createTotpReplayGuard(db: AppDatabase) {
  /** The account a verify-totp request is about: the signed-in one (turning it on), or the one mid sign-in (the plugin's signed cookie). */
  async function userOf(ctx: AuthHookContext): Promise<string | null> {
    const session = await getSessionFromCtx(ctx).catch(() => null);
    if (session) return session.user.id;
    const cookie = ctx.context.createAuthCookie("two_factor");
    const challenge = await ctx.getSignedCookie(cookie.name, ctx.context.secret);
    if (!challenge) return null;
    return (await ctx.context.internalAdapter.findVerificationValue(challenge))?.value ?? null;
  }

  /** The time step `code` is right for, or null when it is right for none the plugin would accept. */
  async function stepOf(
    encryptedSecret: string,
    code: string,
    secretConfig: Parameters<typeof symmetricDecrypt>[0]["key"],
  ): Promise<number | null> {
    const stored = await symmetricDecrypt({ key: secretConfig, data: encryptedSecret });
    // Mirrors the plugin: secrets imported as base32 carry a prefix; generated ones are used as they are.
    const secret = stored.startsWith("base32:") ? base32.decode(stored.slice(7).toUpperCase()) : stored;
    const otp = createOTP(secret, { period, digits });
    const now = Math.floor(Date.now() / (period * 1000));
    let matched: number | null = null;
    // Every candidate is computed and compared, so the time taken does not say which one matched.
    for (let step = now - window; step <= now + window; step++) {
      const expected = await otp.hotp(step);
      let difference = expected.length ^ code.length;
      for (let i = 0; i < expected.length; i++) difference |= expected.charCodeAt(i) ^ code.charCodeAt(i);
      if (difference === 0) matched = step;
    }
    return matched;
  }

  return {
    /** For the before hook of /two-factor/verify-totp: the context to go on with, a refused code swapped in when it was used before. */
    async before(ctx: AuthHookContext): Promise<{ context: { body: Record<string, unknown> } } | undefined> {
      const body = ctx.body as { code?: unknown } | undefined;
      if (typeof body?.code !== "string") return undefined;
      const userId = await userOf(ctx);
      if (!userId) return undefined; // the plugin refuses it on its own
      const [row] = await db
        .select({ id: twoFactor.id, secret: twoFactor.secret })
        .from(twoFactor)
        .where(eq(twoFactor.userId, userId))
        .limit(1);
      if (!row) return undefined;
      const step = await stepOf(row.secret, body.code, ctx.context.secretConfig).catch(() => null);
      if (step === null) return undefined; // a wrong code: the plugin says so and counts it
      const claimed = await db
        .update(twoFactor)
        .set({ lastTotpStep: step })
        .where(and(eq(twoFactor.id, row.id), or(isNull(twoFactor.lastTotpStep), lt(twoFactor.lastTotpStep, step))))
        .returning({ id: twoFactor.id });
      if (claimed.length > 0) return undefined;
      return { context: { body: { ...body, code: REFUSED_CODE } } };
    },
  };
}
