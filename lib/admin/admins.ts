import "server-only";
import { and, count, eq, inArray, sql } from "drizzle-orm";
import { APIError, getSessionFromCtx } from "better-auth/api";
import type { AppDatabase } from "@/db/connect";
import { user } from "@/db/schema";
import { listFromEnv, type Env } from "@/lib/config/env";
import { INVITE_HEADER, WORKSPACE_INVITE_HEADER } from "@/lib/shared/signup-modes";
import type { AuthHookContext } from "@/lib/auth/sign-in-lockout";
import type { SignupPolicy, SignupTickets } from "@/lib/admin/signup-policy";
import type { Audit } from "@/lib/admin/audit";

/**
 * `ADMIN_EMAILS`: addresses that become admins once the address is verified (the link mailed at
 * sign-up, or a provider that says `email_verified`). Typing one at sign-up proves nothing.
 */
export const readAdminEmails = (env: Env = process.env) =>
  new Set(listFromEnv(env, "ADMIN_EMAILS").map((e) => e.toLowerCase()));

/** The invitations a sign-up form sends along (lib/shared/signup-modes.ts). */
const signupTickets = (headers: Headers | undefined | null): SignupTickets => ({
  invite: headers?.get(INVITE_HEADER),
  workspaceInvite: headers?.get(WORKSPACE_INVITE_HEADER),
});

const lastAdminError = () =>
  new APIError("BAD_REQUEST", {
    code: "LAST_ADMIN",
    message: "This is the last admin: it cannot be demoted, banned or deleted. Make another account admin first.",
  });

/**
 * Who administers an instance: the first account created on it, and every `ADMIN_EMAILS` address
 * once verified, through better-auth's admin plugin. It also keeps one admin at all times and
 * refuses impersonation, the plugin endpoint that would let an admin read someone's conversations.
 */
export function createAdminPolicy(db: AppDatabase, adminEmails: Set<string>, signup: SignupPolicy, log: Audit) {
  const activeAdmins = async () =>
    (
      await db
        .select({ n: count() })
        .from(user)
        .where(and(eq(user.role, "admin"), sql`coalesce(${user.banned}, false) = false`))
    )[0]!.n;
  const isAdmin = async (userId: string) =>
    (await db.select({ role: user.role }).from(user).where(eq(user.id, userId)))[0]?.role === "admin";

  /**
   * An ADMIN_EMAILS account whose address is verified becomes admin, once, with an audit row. One
   * conditional UPDATE, so a sign-in that changes nothing costs no more than it did.
   */
  async function promoteIfVerified(userId: string, via: "email_verified" | "sign_in") {
    if (adminEmails.size === 0) return;
    const promoted = await db
      .update(user)
      .set({ role: "admin", approvalStatus: null })
      .where(
        and(
          eq(user.id, userId),
          eq(user.emailVerified, true),
          inArray(sql`lower(${user.email})`, [...adminEmails]),
          sql`${user.role} is distinct from 'admin'`,
        ),
      )
      .returning({ id: user.id, email: user.email });
    for (const target of promoted) {
      await log.record({ action: "role_changed", target, detail: { role: "admin", reason: "ADMIN_EMAILS", via } });
    }
  }

  return {
    databaseHooks: {
      user: {
        create: {
          // Every sign-up method creates its user here: the sign-up policy is checked once for all.
          before: async (
            data: { email: string; emailVerified?: boolean } & Record<string, unknown>,
            ctx?: { path?: string; headers?: Headers; request?: Request } | null,
          ) => {
            const email = data.email.toLowerCase();
            const verified = data.emailVerified === true;
            // Only a password sign-up is followed by a link that proves the address; anything
            // else (GitHub, Google, SSO) must have it proven by the provider.
            const byPassword = ctx?.path === "/sign-up/email";
            if (signup.defaults.domains.size > 0 && !verified && !byPassword) throw signup.unverifiedProviderError();
            const first = (await db.select({ n: count() }).from(user))[0]!.n === 0;
            const listed = adminEmails.has(email);
            const sent = ctx?.request?.headers ?? ctx?.headers;
            if (first || (listed && verified)) return { data: { ...data, role: "admin", approvalStatus: null } };
            const admission = await signup.admit(email, signupTickets(sent)).catch((error: unknown) => {
              // An ADMIN_EMAILS address may join an instance that refuses everyone else (someone
              // must administer a closed one), but as a claim: nothing until it is verified.
              if (listed && error instanceof APIError) return { approvalStatus: "unverified" as const, invited: false };
              throw error;
            });
            if (admission.invited) await log.record({ action: "invitation_used", target: { email: data.email } });
            const approvalStatus =
              listed && admission.approvalStatus === "pending" ? "unverified" : admission.approvalStatus;
            return { data: { ...data, role: "user", approvalStatus } };
          },
        },
        update: {
          // Whatever verified the address (the mailed link, a provider vouching for it at sign-in).
          after: async (updated: { id: string; emailVerified?: boolean }) => {
            if (updated.emailVerified === true) await promoteIfVerified(updated.id, "email_verified");
          },
        },
      },
      session: {
        create: {
          // Every way of signing in makes a session: a verified ADMIN_EMAILS address is an admin from then on.
          after: async (session: { userId: string }) => promoteIfVerified(session.userId, "sign_in"),
        },
      },
    },

    async before(ctx: AuthHookContext) {
      // A refusal that holds for every owner of the address, said before better-auth looks the
      // address up: with SMTP_URL set, what it says after that is the same for new and taken ones.
      if (ctx.path === "/sign-up/email") {
        const email =
          typeof (ctx.body as { email?: unknown } | undefined)?.email === "string"
            ? (ctx.body as { email: string }).email.toLowerCase()
            : "";
        const anyone = async () => (await db.select({ id: user.id }).from(user).limit(1)).length > 0;
        if (email && !adminEmails.has(email) && (await anyone())) {
          const refusal = await signup.refusal(email, signupTickets(ctx.headers));
          if (refusal) throw refusal;
        }
      }
      if (ctx.path === "/admin/impersonate-user") {
        throw new APIError("FORBIDDEN", {
          code: "IMPERSONATION_DISABLED",
          message: "Admins manage accounts; they never act as, or read as, someone else.",
        });
      }
      const body = (ctx.body ?? {}) as { userId?: unknown; role?: unknown };
      const demotes = ctx.path === "/admin/set-role" && body.role !== "admin";
      const removes = ctx.path === "/admin/ban-user" || ctx.path === "/admin/remove-user";
      if (
        (demotes || removes) &&
        typeof body.userId === "string" &&
        (await isAdmin(body.userId)) &&
        (await activeAdmins()) <= 1
      ) {
        throw lastAdminError();
      }
      if (ctx.path === "/delete-user") {
        const session = await getSessionFromCtx(ctx).catch(() => null);
        if (session && (await isAdmin(session.user.id)) && (await activeAdmins()) <= 1) throw lastAdminError();
      }
    },
  };
}
