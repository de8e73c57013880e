/**
 * Limits on accounts that both the server (lib/auth/account-hardening.ts) and the account page use.
 */

/**
 * How recent a sign-in must be for an account without a password (passkeys, SSO, GitHub, Google)
 * to delete itself: there is no password to ask, so the proof is having just signed in.
 */
export const FRESH_SIGN_IN_MAX_AGE_S = 5 * 60;

/**
 * A person's display name rides along in every session read and on every admin page, so it has a
 * limit. Characters are Unicode code points (an emoji is one), as PostgreSQL's char_length counts them.
 */
export const MAX_NAME_CHARS = 100;

const charCount = (s: string) => Array.from(s).length;

/** Why a name someone typed cannot be stored, or null when it can. */
export function nameProblem(name: unknown): string | null {
  if (typeof name !== "string") return null; // better-auth's own schema answers for the type
  if (charCount(name) > MAX_NAME_CHARS) return `Names are at most ${MAX_NAME_CHARS} characters.`;
  if (name.includes("\u0000") || !name.isWellFormed()) return "The name contains characters that cannot be stored.";
  return null;
}

/** A name someone else wrote (a GitHub, Google or SSO profile): cut to the limit rather than refused, and made storable. */
export function fitName(name: string): string {
  const clean = name.toWellFormed().replaceAll("\u0000", "");
  return charCount(clean) > MAX_NAME_CHARS ? Array.from(clean).slice(0, MAX_NAME_CHARS).join("") : clean;
}
