import { isProductionRuntime, missingSecretMessage } from "../auth/secret";
import { readStorageSettings } from "../attachments/storage-settings";
import { parseTrustedProxies } from "../http/client-address";
import type { Env } from "./env";
import { readOidcConfig } from "../auth/social-providers";
import { readShareLinksDefault, readShareViewLimit } from "../sharing/settings";

/**
 * Settings a production server must not start with: no BETTER_AUTH_SECRET (sessions signed with
 * nothing), or a malformed TRUSTED_PROXIES, OIDC_*, ATTACHMENT_STORAGE, SHARE_LINKS or
 * SHARE_VIEW_RATE_LIMIT_PER_MINUTE setting. The message says what to fix.
 * Checked by next.config.ts for `next start` and by instrumentation.ts, which also runs under the
 * standalone `node server.js` (where the config function does not run).
 */
export function startupProblem(env: Env = process.env): string | null {
  if (isProductionRuntime(env) && !env.BETTER_AUTH_SECRET) return missingSecretMessage;
  try {
    parseTrustedProxies(env);
    readOidcConfig(env);
    readStorageSettings(env);
    readShareLinksDefault(env);
    readShareViewLimit(env);
  } catch (error) {
    return (error as Error).message;
  }
  return null;
}

/**
 * Ends the server process with the message when startupProblem finds one. It lives here, not in
 * instrumentation.ts: that file is also compiled for the Edge runtime, which has no process.exit
 * and warns about any call to it, even one behind the runtime check.
 */
export function exitOnStartupProblem(): void {
  const problem = startupProblem();
  if (!problem) return;
  console.error(problem);
  process.exit(1);
}
