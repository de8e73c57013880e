/**
 * The better-auth endpoints this app answers over HTTP, and why. Anything else under /api/auth
 * (whatever plugins are installed, whatever they add in an upgrade) is a 404 in the app's JSON
 * shape before better-auth's router sees the request (app/api/auth/[...all]/route.ts). Server code
 * calls better-auth directly (`auth.api.*`), which never goes through this list: /api/admin/* and
 * the account page use the admin plugin and session listing that way.
 *
 * Paths are matched exactly as the URL parser leaves them, relative to /api/auth: case-sensitive,
 * no trailing slash, no percent-encoding (an encoded character never matches, so `%2D` is not `-`),
 * and a `:param` is one segment of letters, digits, `-` and `_`. better-auth itself is looser
 * about some of these; being stricter here only turns an odd spelling into a 404.
 *
 * tests/integration/auth-endpoints.test.ts checks this list against the endpoints the better-auth
 * instance actually has, both ways.
 */
export type AuthEndpoint = { method: "GET" | "POST"; path: string; why: string };

export const authEndpoints: readonly AuthEndpoint[] = [
  // Sessions
  {
    method: "GET",
    path: "/get-session",
    why: "the session every page and the chat screen read (sessionClient.useSession)",
  },
  { method: "POST", path: "/sign-out", why: "the Sign out button" },
  { method: "POST", path: "/revoke-session", why: "/account: revoke one other device" },
  { method: "POST", path: "/revoke-other-sessions", why: "/account: sign out everywhere else" },
  // Email and password
  { method: "POST", path: "/sign-up/email", why: "the sign-up form" },
  { method: "POST", path: "/sign-in/email", why: "the sign-in form" },
  { method: "POST", path: "/request-password-reset", why: "/forgot-password sends the reset link" },
  {
    method: "GET",
    path: "/reset-password/:token",
    why: "the link in the reset email, which leads on to /reset-password",
  },
  { method: "POST", path: "/reset-password", why: "/reset-password sets the new password" },
  { method: "POST", path: "/change-password", why: "/account: change password" },
  { method: "GET", path: "/verify-email", why: "the link in the verification email" },
  { method: "POST", path: "/send-verification-email", why: "/account: send the verification email again" },
  // The account itself
  {
    method: "POST",
    path: "/update-user",
    why: "/account: change one's name (the name only; lib/auth/account-hardening.ts)",
  },
  {
    method: "POST",
    path: "/delete-user",
    why: "/account: delete the account (password, or a fresh sign-in without one)",
  },
  // GitHub, Google and the OIDC provider (genericOAuth registers it as a social provider)
  { method: "POST", path: "/sign-in/social", why: "Continue with GitHub / Google / SSO" },
  { method: "GET", path: "/callback/:id", why: "where the provider sends the browser back (query response mode)" },
  { method: "POST", path: "/link-social", why: "/account: link another provider" },
  { method: "POST", path: "/unlink-account", why: "/account: unlink a sign-in method" },
  {
    method: "GET",
    path: "/error",
    why: "better-auth's page for an OAuth callback it cannot tie to a sign-in (bad or expired state)",
  },
  // Two-factor (TOTP and backup codes)
  { method: "POST", path: "/two-factor/enable", why: "/account: start turning two-factor on (password)" },
  {
    method: "POST",
    path: "/two-factor/verify-totp",
    why: "the first code that turns it on, and the second step of a password sign-in",
  },
  { method: "POST", path: "/two-factor/verify-backup-code", why: "the second step with a backup code" },
  { method: "POST", path: "/two-factor/disable", why: "/account: turn two-factor off (password)" },
  { method: "POST", path: "/two-factor/generate-backup-codes", why: "/account: new backup codes (password)" },
  // Passkeys
  { method: "GET", path: "/passkey/generate-register-options", why: "/account: add a passkey, step 1" },
  { method: "POST", path: "/passkey/verify-registration", why: "/account: add a passkey, step 2" },
  { method: "GET", path: "/passkey/generate-authenticate-options", why: "Sign in with a passkey, step 1" },
  { method: "POST", path: "/passkey/verify-authentication", why: "Sign in with a passkey, step 2" },
  { method: "POST", path: "/passkey/update-passkey", why: "/account: rename a passkey" },
  { method: "POST", path: "/passkey/delete-passkey", why: "/account: delete a passkey" },
];

const segment = "[A-Za-z0-9_-]+";
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const compiled = authEndpoints.map((e) => ({
  ...e,
  regex: new RegExp(
    `^${e.path
      .split("/")
      .map((part) => (part.startsWith(":") ? segment : escape(part)))
      .join("/")}$`,
  ),
}));

/** The allow-list entry a request matches (`path` relative to /api/auth, as `URL.pathname` gives it), or undefined. */
export function allowedAuthEndpoint(method: string, path: string): AuthEndpoint | undefined {
  return compiled.find((e) => e.method === method && e.regex.test(path));
}

/** The entry's path (its pattern, with `:params`) for any method, for log and metric labels. */
export function authEndpointPattern(path: string): string | undefined {
  return compiled.find((e) => e.regex.test(path))?.path;
}
