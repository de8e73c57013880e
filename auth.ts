import "server-only";
import { betterAuth, type BetterAuthOptions, type BetterAuthPlugin } from "better-auth";
import { drizzleAdapter } from "better-auth/adapters/drizzle";
import { APIError, createAuthMiddleware } from "better-auth/api";
import { nextCookies } from "better-auth/next-js";
import { admin, genericOAuth, organization, twoFactor } from "better-auth/plugins";
import { passkey } from "@better-auth/passkey";
import { db, getDatabase } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import * as schema from "@/db/schema";
import { accountHardening } from "@/lib/auth/account-hardening";
import { createAdminPolicy, readAdminEmails } from "@/lib/admin/admins";
import { storageFromEnv } from "@/lib/attachments/storage";
import { createAudit } from "@/lib/admin/audit";
import { auditHooks } from "@/lib/admin/audit-hooks";
import { resolveAuthSecret } from "@/lib/auth/secret";
import { createSessionCache, withSessionCache, type SessionCache } from "@/lib/auth/session-cache";
import { unsafeRedirectField } from "@/lib/auth/safe-redirect";
import { CLIENT_ADDRESS_HEADER, clientAddressOf } from "@/lib/http/client-address";
import { positiveIntFromEnv, type Env } from "@/lib/config/env";
import { logFromAuth, logger } from "@/lib/observability/logger";
import { createMailer } from "@/lib/auth/mailer";
import { createPasskeys } from "@/lib/auth/passkeys";
import { createSignInLockout, readSignInLockoutLimits, signInLockoutHooks } from "@/lib/auth/sign-in-lockout";
import { createSignupPolicy, readSignupDefaults } from "@/lib/admin/signup-policy";
import { createWorkspaceCreationPolicy, readWorkspaceCreationDefault } from "@/lib/workspaces/creation-policy";
import { invitationDays } from "@/lib/workspaces/invitations";
import { createWorkspaceStore } from "@/lib/workspaces/workspaces";
import { OIDC_PROVIDER_ID, enabledSocialProviders, isOidcOnly, readOidcConfig } from "@/lib/auth/social-providers";
import { appOrigins } from "@/lib/http/app-origins";

// The session read every page and API request makes (auth.api.getSession).
const notSessionRead = (ctx: { path?: string }) => ctx.path !== "/get-session";

// Refused with OIDC_ONLY=true: everything that signs in, signs up or resets with a password.
const passwordPaths = new Set(["/sign-in/email", "/sign-up/email", "/request-password-reset", "/reset-password"]);

export function createAuth(
  database: AppDatabase,
  env: Env = process.env,
  options: { sessionCache?: SessionCache } = {},
) {
  const social = enabledSocialProviders(env);
  const oidc = readOidcConfig(env);
  const oidcOnly = isOidcOnly(env);
  // WebAuthn binds passkeys to the site's host name and origin: both come from BETTER_AUTH_URL.
  const appUrl = env.BETTER_AUTH_URL ? new URL(env.BETTER_AUTH_URL) : null;
  const mailer = createMailer(env);
  // Not awaited: answering at once whether or not mail is slow keeps response times from
  // telling which addresses have accounts.
  const send = (to: string, subject: string, text: string) =>
    void mailer
      .send({ to, subject, text })
      .catch((error: unknown) => logger.error({ err: error }, "mail: could not send"));
  // better-auth's own default for credential endpoints is 3 attempts per 10 s per IP.
  const credentialAttempts = { window: 10, max: positiveIntFromEnv(env, "AUTH_RATE_LIMIT_MAX", 3) };
  const lockoutLimits = readSignInLockoutLimits(env);
  const lockout = createSignInLockout(database, lockoutLimits);
  const lockoutHooks = signInLockoutHooks(lockout, lockoutLimits);
  const log = createAudit(database, positiveIntFromEnv(env, "AUDIT_RETENTION_DAYS", 365));
  const logHooks = auditHooks(log);
  const keys = createPasskeys(database);
  const admins = createAdminPolicy(
    database,
    readAdminEmails(env),
    createSignupPolicy(database, readSignupDefaults(env)),
    log,
  );
  const files = storageFromEnv(env, database);
  const workspaceCreation = createWorkspaceCreationPolicy(database, readWorkspaceCreationDefault(env));
  const ownedWorkspaces = createWorkspaceStore(database);
  // With mail set up, sign-up answers alike whether or not the address has an account (no session
  // either way; the link signs in), and the owner of a taken address is told by mail instead.
  // Without it (development) there is no inbox to send either to, so sign-up says so at once.
  const sameAnswerForTaken = Boolean(env.SMTP_URL);
  const signInUrl = (request?: Request) =>
    `${env.BETTER_AUTH_URL ?? (request ? new URL(request.url).origin : "")}/sign-in`;
  return betterAuth({
    secret: resolveAuthSecret(env),
    // Its lines go through the app's JSON logger, with anything that could carry a secret left out.
    // ("info": at warn or error better-auth also prints every refused request on its own console
    // logger; those refusals are in the app's request log and audit log already.)
    logger: { level: "info", log: (level, message, ...args) => logFromAuth(level, message, args) },
    baseURL: env.BETTER_AUTH_URL,
    // Without BETTER_AUTH_URL, better-auth trusts only the origin of `request.url`, which is Next.js's
    // listen address (0.0.0.0 in a container): sign-up would be refused from every browser.
    ...(!env.BETTER_AUTH_URL && { trustedOrigins: (request?: Request) => (request ? appOrigins(request, env) : []) }),
    // Session lookups (every request) come from memory while nothing has changed them; see lib/auth/session-cache.ts.
    database: (opts: BetterAuthOptions) => {
      const adapter = drizzleAdapter(database, { provider: "pg", schema })(opts);
      return options.sessionCache ? withSessionCache(adapter, options.sessionCache) : adapter;
    },
    emailAndPassword: {
      enabled: true,
      minPasswordLength: 8,
      revokeSessionsOnPasswordReset: true,
      autoSignIn: !sameAnswerForTaken,
      onExistingUserSignUp: async ({ user }, request) =>
        send(
          user.email,
          "Someone tried to sign up with your address",
          `Someone tried to create a Threadkeeper account with this address, which already has one.\nIf it was you, sign in at ${signInUrl(request)} (or use "Forgot password?" there).\nIf it was not you, ignore this email: nothing was changed.`,
        ),
      // The reset link reached the owner's mailbox: a lock an attacker caused is lifted with it.
      onPasswordReset: async ({ user }) => {
        await lockout.clearEmail(user.email);
        await log.record({ action: "password_reset", actor: user, target: user });
      },
      sendResetPassword: async ({ user, url }) =>
        send(
          user.email,
          "Reset your Threadkeeper password",
          `Someone asked to reset the password of this account.\nTo choose a new one, open:\n${url}\nIf it was not you, ignore this email.`,
        ),
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
      // input: false: only the server and admins set these, never a sign-up or update-user body.
      additionalFields: {
        approvalStatus: { type: "string", required: false, input: false },
        // An admin's per-person monthly token quota (lib/chat/usage.ts), read with the session.
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
      user: {
        create: { before: admins.databaseHooks.user.create.before, after: logHooks.userCreated },
        update: { after: admins.databaseHooks.user.update.after },
        // The rows went with the user (cascade); the attachment files in a filesystem or S3 store go now.
        delete: {
          // The workspaces nobody else is in go with the account (others get a new owner from the database if they need one).
          before: async (user) => {
            for (const workspaceId of await ownedWorkspaces.removeWorkspacesOnlyHeldBy(user.id))
              await log.record({
                action: "workspace_deleted",
                actor: null,
                workspaceId,
                detail: { reason: "its only member's account was deleted" },
              });
          },
          after: async (user) => {
            await files
              .removeUser(user.id)
              .catch((error: unknown) =>
                logger.error({ err: error, userId: user.id }, "could not remove a deleted account's attachment files"),
              );
          },
        },
      },
      account: { create: { after: logHooks.accountCreated } },
      session: {
        create: {
          // better-auth stores only an IPv6 address's /64 (its rate-limit key, zeros after it); a
          // person's sessions list shows the address the session really came from.
          before: async (session, ctx) => {
            const headers = ctx?.request?.headers ?? ctx?.headers;
            const address = headers ? clientAddressOf(headers) : null;
            return address ? { data: { ...session, ipAddress: address } } : undefined;
          },
          after: async (session, ctx) => {
            await admins.databaseHooks.session.create.after(session);
            await logHooks.sessionCreated(session, ctx);
          },
        },
      },
    },
    // The per-address limits below key on the address lib/http/client-address.ts decided from the TCP
    // peer and TRUSTED_PROXIES; a header a client writes itself never reaches this point.
    advanced: { ipAddress: { ipAddressHeaders: [CLIENT_ADDRESS_HEADER] } },
    // On in every environment, counted in the database so it holds across app instances.
    rateLimit: {
      enabled: true,
      storage: "database",
      // Second-factor codes too (the two-factor plugin's own default is the same 3 per 10 s).
      customRules: {
        "/sign-in/email": credentialAttempts,
        "/sign-up/email": credentialAttempts,
        "/two-factor/*": credentialAttempts,
        // Only starts a redirect to the provider (which checks the credentials): a whole office
        // behind one address may sign in through SSO at once.
        "/sign-in/social": { window: 10, max: Math.max(30, credentialAttempts.max) },
        // Reading one's own session proves nothing and guesses nothing: a team behind one NAT
        // address, whose every browser calls it, must not share 100 calls per 10 s (better-auth's
        // default rule). It also saves a rate-limit row read and write on every call.
        "/get-session": false,
      },
    },
    plugins: [
      // Failed password sign-ins are limited per email, whatever address they come from; the
      // admin policy keeps one admin and refuses impersonation; the audit log records. As a
      // plugin (first, so before the others' hooks) rather than global hooks, because a plugin's
      // hooks can skip the session read every request makes: each hook run costs a whole
      // endpoint context, and none of these has anything to do there.
      {
        id: "threadkeeper-policy",
        hooks: {
          before: [
            {
              matcher: notSessionRead,
              handler: createAuthMiddleware(async (ctx) => {
                if (oidcOnly && passwordPaths.has(ctx.path)) {
                  throw new APIError("FORBIDDEN", {
                    code: "PASSWORD_SIGN_IN_DISABLED",
                    message: `This instance signs people in through ${oidc!.name} only.`,
                  });
                }
                const unsafe = unsafeRedirectField(ctx.body, ctx.query);
                if (unsafe)
                  throw new APIError("FORBIDDEN", {
                    code: "INVALID_CALLBACK_URL",
                    message: `That ${unsafe} is not a path on this site.`,
                  });
                await admins.before(ctx);
                await lockoutHooks.before(ctx).catch(async (error: unknown) => {
                  await logHooks.refused(ctx, error);
                  throw error;
                });
                await logHooks.before(ctx);
              }),
            },
          ],
          after: [
            {
              matcher: notSessionRead,
              handler: createAuthMiddleware(async (ctx) => {
                if (ctx.path === "/passkey/verify-authentication" && !(ctx.context.returned instanceof Error)) {
                  const credentialId = (ctx.body as { response?: { id?: unknown } } | undefined)?.response?.id;
                  if (typeof credentialId === "string") await keys.markUsed(credentialId);
                }
                await lockoutHooks.after(ctx);
                await logHooks.after(ctx);
                // Not even the made account's fields (its approval status, say) may tell a new address from a taken one.
                if (sameAnswerForTaken && ctx.path === "/sign-up/email" && !(ctx.context.returned instanceof Error))
                  return ctx.json({ token: null, user: null });
              }),
            },
          ],
        },
      } satisfies BetterAuthPlugin,
      accountHardening(database), // name limits, account deletion's proof, single-use TOTP codes
      admin({
        // Said only after the right password: the reason, when the admin gave one.
        bannedUserMessage: (u) =>
          u.banReason ? `This account is suspended: ${u.banReason}` : "This account is suspended.",
      }),
      // TOTP codes and 10 single-use backup codes, asked after a password sign-in; after 10 wrong
      // codes in a row the account's second step is locked for 15 minutes (429).
      twoFactor({ issuer: "Threadkeeper", allowPasswordless: true }),
      // Workspaces. Only the server calls these endpoints (lib/workspaces/actions.ts, through the
      // app's /api/workspaces routes); none is on the HTTP allow-list (lib/auth/endpoints.ts).
      organization({
        allowUserToCreateOrganization: (user) => workspaceCreation.mayCreate(user),
        // Accepting needs the invited address, verified: the inviter also sees the link.
        requireEmailVerificationOnInvitation: true,
        invitationExpiresIn: invitationDays.default * 86_400,
        cancelPendingInvitationsOnReInvite: true,
        membershipLimit: 1000,
        sendInvitationEmail: async ({ id, email, organization: workspace, inviter }) =>
          send(
            email,
            `${inviter.user.name} invited you to ${workspace.name} on Threadkeeper`,
            `${inviter.user.name} (${inviter.user.email}) invited you to the workspace "${workspace.name}".\nTo join, open:\n${env.BETTER_AUTH_URL ?? ""}/invite/${id}\nIf you did not expect this, ignore this email.`,
          ),
        schema: {
          organization: {
            modelName: "workspace",
            additionalFields: { tokenQuota: { type: "number", required: false, input: false } },
          },
          member: { modelName: "workspaceMember" },
          invitation: { modelName: "workspaceInvitation" },
        },
      }),
      passkey({ rpName: "Threadkeeper", rpID: appUrl?.hostname ?? "localhost", origin: appUrl?.origin ?? null }),
      // Any OpenID Connect provider by discovery; PKCE, state and the ID token's signature (the
      // provider's JWKS) and nonce are checked by better-auth.
      ...(oidc
        ? [
            genericOAuth({
              config: [
                {
                  providerId: OIDC_PROVIDER_ID,
                  name: oidc.name,
                  discoveryUrl: `${oidc.issuer}/.well-known/openid-configuration`,
                  requireIdTokenVerification: true,
                  clientId: oidc.clientId,
                  clientSecret: oidc.clientSecret,
                  scopes: oidc.scopes,
                  pkce: true,
                },
              ],
            }),
          ]
        : []),
      nextCookiesWhenNeeded(), // must stay last
    ],
  });
}

/**
 * better-auth's nextCookies(), whose hooks run only when they have work: its before hook only
 * matters in a server component render (where a refreshed cookie could not be written, so the
 * refresh is skipped), its after hook only when the call set a cookie. Upstream matches every
 * call, and each hook run builds a whole endpoint context: two of them on every session read.
 */
function nextCookiesWhenNeeded(): BetterAuthPlugin {
  const upstream = nextCookies();
  type Hook = NonNullable<NonNullable<BetterAuthPlugin["hooks"]>["before"]>[number];
  type HookContext = Parameters<Hook["matcher"]>[0];
  const inRender = (ctx: HookContext) => ctx.headers?.get("rsc") === "1" && !ctx.headers.get("next-action");
  const setsCookie = (ctx: HookContext) => ctx.context.responseHeaders?.has("set-cookie") === true;
  const gate = (hooks: Hook[] | undefined, when: (ctx: HookContext) => boolean) =>
    (hooks ?? []).map((hook) => ({ ...hook, matcher: (ctx: HookContext) => hook.matcher(ctx) && when(ctx) }));
  return {
    ...upstream,
    hooks: { before: gate(upstream.hooks.before, inRender), after: gate(upstream.hooks.after, setsCookie) },
  };
}

// One cache per process, on globalThis: Turbopack (`next dev`) bundles this module once for route
// handlers and once for pages, and a write made through either must clear what both read. (The
// webpack production build has one copy; the guard keeps both builds the same.)
const shared = globalThis as { threadkeeperSessionCache?: SessionCache };
const sessionCache =
  process.env.SESSION_CACHE === "off"
    ? undefined
    : (shared.threadkeeperSessionCache ??= createSessionCache(() => getDatabase().listen, {
        ttlMs: positiveIntFromEnv(process.env, "SESSION_CACHE_TTL_MS", 30_000),
      }));

export const auth = createAuth(db, process.env, { sessionCache });

/**
 * A session with its user as better-auth infers them from this configuration: the plugins' fields
 * (role, banned, twoFactorEnabled, …) and `user.additionalFields` (approvalStatus, tokenQuota).
 */
export type AuthSession = typeof auth.$Infer.Session;
