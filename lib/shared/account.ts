/** What the sign-in pages and /account show: the server builds these (lib/auth/), the account components read them. */

/** A sign-in button other than the password form: GitHub, Google, or the instance's own OpenID Connect provider. */
export type SignInProvider = { id: string; label: string };

/** A passkey as /account lists it: never the public key or credential id. */
export type PasskeyRow = {
  id: string;
  name: string | null;
  createdAt: string | null;
  lastUsedAt: string | null;
  synced: boolean;
};
