import "server-only";
import { and, eq, isNotNull } from "drizzle-orm";
import type { BetterAuthPlugin } from "better-auth";
import { APIError, createAuthMiddleware, getSessionFromCtx } from "better-auth/api";
import type { AppDatabase } from "@/db/connect";
import { account } from "@/db/schema";
import type { AuthHookContext } from "@/lib/auth/sign-in-lockout";
import { createTotpReplayGuard } from "@/lib/auth/totp-replay";
import { FRESH_SIGN_IN_MAX_AGE_S, fitName, nameProblem } from "@/lib/shared/account-rules";

/** What /update-user may change: the display name (the only profile field /account edits). */
const updatableFields = new Set(["name"]);

/**
 * Account rules better-auth does not have, as one plugin (a line in auth.ts):
 * - Names: at most MAX_NAME_CHARS, refused with a 400 when someone types one (sign-up, profile
 *   update); a provider's profile name (GitHub, Google, SSO) is cut to fit instead, since the
 *   person did not type it and refusing would lock them out.
 * - Deleting an account asks for the password whenever the account has one. better-auth asks for
 *   nothing within a day of signing in (its `freshAge`), so a borrowed, still-open session could
 *   delete everything. Without a password, the session must be at most FRESH_SIGN_IN_MAX_AGE_S old.
 * - A TOTP code is accepted once (lib/auth/totp-replay.ts).
 */
export function accountHardening(db: AppDatabase): BetterAuthPlugin {
  const totp = createTotpReplayGuard(db);
  const hasPassword = async (userId: string) =>
    (
      await db
        .select({ id: account.id })
        .from(account)
        .where(and(eq(account.userId, userId), eq(account.providerId, "credential"), isNotNull(account.password)))
        .limit(1)
    ).length > 0;

  async function checkName(ctx: AuthHookContext) {
    const body = (ctx.body ?? {}) as Record<string, unknown>;
    if (ctx.path === "/update-user") {
      const other = Object.keys(body).find((key) => !updatableFields.has(key));
      if (other)
        throw new APIError("BAD_REQUEST", { code: "FIELD_NOT_UPDATABLE", message: `${other} cannot be changed here.` });
    }
    const problem = nameProblem(body.name);
    if (problem) throw new APIError("BAD_REQUEST", { code: "NAME_TOO_LONG", message: problem });
  }

  async function checkDeletion(ctx: AuthHookContext) {
    const session = await getSessionFromCtx(ctx).catch(() => null);
    if (!session) return; // better-auth answers 401
    const body = (ctx.body ?? {}) as { password?: unknown; token?: unknown };
    // Deletion by emailed token is not set up here; a token must not stand in for the checks below.
    if (body.token !== undefined)
      throw new APIError("BAD_REQUEST", { code: "INVALID_TOKEN", message: "Deletion links are not used here." });
    if (await hasPassword(session.user.id)) {
      // better-auth checks it is the right one.
      if (typeof body.password !== "string" || body.password === "") {
        throw new APIError("BAD_REQUEST", { code: "password_required", message: "Confirm with your password." });
      }
      return;
    }
    const age = Date.now() - new Date(session.session.createdAt).getTime();
    if (!(age >= 0 && age < FRESH_SIGN_IN_MAX_AGE_S * 1000)) {
      throw new APIError("FORBIDDEN", {
        code: "fresh_sign_in_required",
        message: `Sign out, sign in again, then delete the account within ${FRESH_SIGN_IN_MAX_AGE_S / 60} minutes.`,
      });
    }
  }

  return {
    id: "threadkeeper-account-hardening",
    init: () => ({
      options: {
        databaseHooks: {
          user: {
            // Every way of creating or changing a user ends here, a provider's profile included.
            create: { before: async (user) => ({ data: { ...user, name: fitName(user.name) } }) },
            update: {
              before: async (user) =>
                typeof user.name === "string" ? { data: { ...user, name: fitName(user.name) } } : undefined,
            },
          },
        },
      },
    }),
    hooks: {
      before: [
        {
          matcher: (ctx) => ctx.path === "/sign-up/email" || ctx.path === "/update-user",
          handler: createAuthMiddleware(checkName),
        },
        { matcher: (ctx) => ctx.path === "/delete-user", handler: createAuthMiddleware(checkDeletion) },
        {
          matcher: (ctx) => ctx.path === "/two-factor/verify-totp",
          handler: createAuthMiddleware((ctx) => totp.before(ctx)),
        },
      ],
    },
  };
}
