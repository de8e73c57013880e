import "server-only";
import { betterAuth } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { createAuthMiddleware } from "better-auth/api";
import { nextCookies } from "better-auth/next-js";
import { admin } from "better-auth/plugins";
import { db } from "@/db";
import type { AppDatabase } from "@/db/connect";
import * as schema from "@/db/schema";
import { createAdminPolicy, readAdminEmails } from "@/lib/admins";
import { auditHooks, createAudit } from "@/lib/audit";
import { resolveAuthSecret } from "@/lib/auth-secret";
import { CLIENT_ADDRESS_HEADER } from "@/lib/client-address";
import { positiveIntFromEnv, type Env } from "@/lib/env";
import { createMailer } from "@/lib/mailer";
import { createSignInLockout, readSignInLockoutLimits, signInLockoutHooks } from "@/lib/sign-in-lockout";
import { createSignupPolicy, readSignupDefaults } from "@/lib/signup-policy";
import { enabledSocialProviders } from "@/lib/social-providers";

export function createAuth(database: AppDatabase, env: Env = process.env) {
  const social = enabledSocialProviders(env);
  const mailer = createMailer(env);
  // Not awaited: answering at once whether or not mail is slow keeps response times from
  // telling which addresses have accounts.
  const send = (to: string, subject: string, text: string) =>
    void mailer.send({ to, subject, text }).catch((error: unknown) => console.error(`[mail] could not send to ${to}:`, error));
  // better-auth's own default for credential endpoints is 3 attempts per 10 s per IP.
  const credentialAttempts = { window: 10, max: positiveIntFromEnv(env, "AUTH_RATE_LIMIT_MAX", 3) };
  const lockoutLimits = readSignInLockoutLimits(env);
  const lockout = createSignInLockout(database, lockoutLimits);
  const lockoutHooks = signInLockoutHooks(lockout, lockoutLimits);
  const log = createAudit(database, positiveIntFromEnv(env, "AUDIT_RETENTION_DAYS", 365));
  const logHooks = auditHooks(log);
  const admins = createAdminPolicy(database, readAdminEmails(env), createSignupPolicy(database, readSignupDefaults(env)), log);
  return betterAuth({
    secret: resolveAuthSecret(env),
    baseURL: env.BETTER_AUTH_URL,
    database: drizzleAdapter(database, { provider: "pg", schema }),
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 8,
      revokeSessionsOnPasswordReset: true,
      // The reset link reached the owner's mailbox: a lock an attacker caused is lifted with it.
      onPasswordReset: async ({ user }) => {
        await lockout.clearEmail(user.email);
        await log.record({ action: "password_reset", actor: user, target: user });
      },
      sendResetPassword: async ({ user, url }) =>
        send(user.email, "Reset your Threadkeeper password", `Someone asked to reset the password of this account.\nTo choose a new one, open:\n${url}\nIf it was not you, ignore this email.`),
    },
    // Verification is offered, not required: signing up must work on a machine with no mail set up.
    emailVerification: {
      sendOnSignUp: true,
      autoSignInAfterVerification: true,
      sendVerificationEmail: async ({ user, url }) =>
        send(user.email, "Confirm your Threadkeeper email", `Confirm this address by opening:\n${url}`),
    },
    // Deleting an account asks for the password again; rows cascade from "user". approvalStatus
    // rides along in every session (SIGNUP_MODE=approval), so checking it costs no query.
    user: {
      deleteUser: { enabled: true },
      additionalFields: {
        approvalStatus: { type: "string", required: false, input: false },
        // An admin's per-person monthly token quota (lib/usage.ts), read with the session.
        tokenQuota: { type: "number", required: false, input: false },
      },
    },
    // Sessions live in the database and every request looks them up (no cookie cache), so a
    // sign-out or a revoked session stops working on the very next request.
    session: { cookieCache: { enabled: false } },
    socialProviders: {
      ...(social.includes("github") && {
        github: { clientId: env.GITHUB_CLIENT_ID!, clientSecret: env.GITHUB_CLIENT_SECRET! },
      }),
      ...(social.includes("google") && {
        google: { clientId: env.GOOGLE_CLIENT_ID!, clientSecret: env.GOOGLE_CLIENT_SECRET! },
      }),
    },
    databaseHooks: {
      user: admins.databaseHooks.user,
      session: {
        create: {
          after: async (session, ctx) => {
            await admins.databaseHooks.session.create.after(session);
            await logHooks.sessionCreated(session, ctx);
          },
        },
      },
    },
    // Failed password sign-ins are limited per email, whatever address they come from; the admin
    // policy keeps one admin and refuses impersonation.
    hooks: {
      before: createAuthMiddleware(async (ctx) => {
        await admins.before(ctx);
        await lockoutHooks.before(ctx).catch(async (error: unknown) => {
          await logHooks.refused(ctx, error);
          throw error;
        });
        await logHooks.before(ctx);
      }),
      after: createAuthMiddleware(async (ctx) => {
        await lockoutHooks.after(ctx);
        await logHooks.after(ctx);
      }),
    },
    // The per-address limits below key on the address lib/client-address.ts decided from the TCP
    // peer and TRUSTED_PROXIES; a header a client writes itself never reaches this point.
    advanced: { ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] } },
    // On in every environment, counted in the database so it holds across app instances.
    rateLimit: {
      enabled: true,
      storage: "database",
      customRules: { "/sign-in/email": credentialAttempts, "/sign-up/email": credentialAttempts },
    },
    plugins: [
      admin({
        // Said only after the right password: the reason, when the admin gave one.
        bannedUserMessage: (u) => (u.banReason ? `This account is suspended: ${u.banReason}` : "This account is suspended."),
      }),
      nextCookies(), // must stay last
    ],
  });
}

export const auth = createAuth(db);

export type AuthSession = NonNullable<Awaited<ReturnType<typeof auth.api.getSession>>>;
