import { listFromEnv, type Env } from "../config/env";
import type { SignInProvider } from "../shared/account";

export type SocialProviderId = "github" | "google";

/** The single sign-on provider's id in better-auth (callback: /api/auth/callback/oidc). */
export const OIDC_PROVIDER_ID = "oidc";

export type OidcConfig = { issuer: string; clientId: string; clientSecret?: string; name: string; scopes: string[] };

/** A social sign-in is offered only when both its client id and secret are configured. */
export function enabledSocialProviders(env: Env = process.env): SocialProviderId[] {
  const providers: SocialProviderId[] = [];
  if (env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET) providers.push("github");
  if (env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET) providers.push("google");
  return providers;
}

/**
 * `OIDC_ISSUER` (discovered at `/.well-known/openid-configuration`), `OIDC_CLIENT_ID`,
 * `OIDC_CLIENT_SECRET`, `OIDC_NAME`, `OIDC_SCOPES`; null when no issuer is set. A half-made
 * configuration stops the app with a message saying what is missing.
 */
export function readOidcConfig(env: Env = process.env): OidcConfig | null {
  const issuer = env.OIDC_ISSUER?.trim();
  if (!issuer) {
    if (env.OIDC_ONLY === "true") throw new Error("OIDC_ONLY=true needs OIDC_ISSUER and OIDC_CLIENT_ID.");
    return null;
  }
  if (!/^https?:\/\//.test(issuer)) throw new Error(`OIDC_ISSUER must be an http(s) URL, got "${issuer}".`);
  const clientId = env.OIDC_CLIENT_ID?.trim();
  if (!clientId) throw new Error("OIDC_ISSUER is set but OIDC_CLIENT_ID is not.");
  const scopes = listFromEnv(env, "OIDC_SCOPES")
    .flatMap((s) => s.split(/\s+/))
    .filter(Boolean);
  return {
    issuer: issuer.replace(/\/+$/, ""),
    clientId,
    clientSecret: env.OIDC_CLIENT_SECRET?.trim() || undefined,
    name: env.OIDC_NAME?.trim() || "single sign-on",
    scopes: scopes.length > 0 ? scopes : ["openid", "email", "profile"],
  };
}

/** OIDC_ONLY=true: people sign in through the OIDC provider only; no password form, no password sign-in or sign-up. */
export const isOidcOnly = (env: Env = process.env) => env.OIDC_ONLY === "true" && readOidcConfig(env) !== null;

/** What /sign-in and /sign-up offer. */
export function signInOptions(env: Env = process.env): { providers: SignInProvider[]; password: boolean } {
  const oidc = readOidcConfig(env);
  const social = enabledSocialProviders(env).map((id) => ({ id, label: id === "github" ? "GitHub" : "Google" }));
  return {
    providers: [...(oidc ? [{ id: OIDC_PROVIDER_ID, label: oidc.name }] : []), ...social],
    password: !isOidcOnly(env),
  };
}
