import "server-only";
import { and, count, eq, inArray, sql } from "drizzle-orm";
import { APIError, getSessionFromCtx } from "better-auth/api";
import type { AppDatabase } from "@/db/connect";
import { user } from "@/db/schema";
import { listFromEnv, type Env } from "./env";
import { INVITE_HEADER } from "./signup-modes";
import type { AuthHookContext } from "./sign-in-lockout";
import type { SignupPolicy } from "./signup-policy";
import type { Audit } from "./audit";

/** `ADMIN_EMAILS`: addresses that are admins whenever they sign up or sign in. */
export const readAdminEmails = (env: Env = process.env) =>
  new Set(listFromEnv(env, "ADMIN_EMAILS").map((e) => e.toLowerCase()));

const lastAdminError = () =>
  new APIError("BAD_REQUEST", {
    code: "LAST_ADMIN",
    message: "This is the last admin: it cannot be demoted, banned or deleted. Make another account admin first.",
  });

/**
 * Who administers an instance: the first account created on it and every `ADMIN_EMAILS` address,
 * through better-auth's admin plugin. It also keeps one admin at all times and refuses
 * impersonation, the plugin endpoint that would let an admin read someone's conversations.
 */
export function createAdminPolicy(db: AppDatabase, adminEmails: Set<string>, signup: SignupPolicy, log: Audit) {
  const activeAdmins = async () =>
    (await db.select({ n: count() }).from(user).where(and(eq(user.role, "admin"), sql`coalesce(${user.banned}, false) = false`)))[0]!.n;
  const isAdmin = async (userId: string) => (await db.select({ role: user.role }).from(user).where(eq(user.id, userId)))[0]?.role === "admin";

  return {
    databaseHooks: {
      user: {
        create: {
          // Every sign-up method creates its user here: the sign-up policy is checked once for all.
          before: async (data: { email: string } & Record<string, unknown>, ctx?: { headers?: Headers; request?: Request } | null) => {
            const first = (await db.select({ n: count() }).from(user))[0]!.n === 0;
            const admin = first || adminEmails.has(data.email.toLowerCase());
            const invite = (ctx?.request?.headers ?? ctx?.headers)?.get(INVITE_HEADER);
            const { approvalStatus } = await signup.admit(data.email, admin, invite);
            if (invite && !admin) await log.record({ action: "invitation_used", target: { email: data.email } });
            return { data: { ...data, role: admin ? "admin" : "user", approvalStatus } };
          },
        },
      },
      session: {
        create: {
          // Every way of signing in makes a session: an ADMIN_EMAILS address is an admin from then on.
          after: async (session: { userId: string }) => {
            if (adminEmails.size === 0) return;
            await db
              .update(user)
              .set({ role: "admin" })
              .where(and(eq(user.id, session.userId), inArray(sql`lower(${user.email})`, [...adminEmails]), sql`${user.role} is distinct from 'admin'`));
          },
        },
      },
    },

    async before(ctx: AuthHookContext) {
      if (ctx.path === "/admin/impersonate-user") {
        throw new APIError("FORBIDDEN", { code: "IMPERSONATION_DISABLED", message: "Admins manage accounts; they never act as, or read as, someone else." });
      }
      const body = (ctx.body ?? {}) as { userId?: unknown; role?: unknown };
      const demotes = ctx.path === "/admin/set-role" && body.role !== "admin";
      const removes = ctx.path === "/admin/ban-user" || ctx.path === "/admin/remove-user";
      if ((demotes || removes) && typeof body.userId === "string" && (await isAdmin(body.userId)) && (await activeAdmins()) <= 1) {
        throw lastAdminError();
      }
      if (ctx.path === "/delete-user") {
        const session = await getSessionFromCtx(ctx).catch(() => null);
        if (session && (await isAdmin(session.user.id)) && (await activeAdmins()) <= 1) throw lastAdminError();
      }
    },
  };
}
