import { positiveIntFromEnv, type Env } from "../config/env";
import { isShareLinkMode, shareLinkModes, type ShareLinkMode } from "../shared/share-links";

// Plain settings, no server-only imports: next.config.ts checks them before `next start`.

/** `SHARE_LINKS` (default signed-in); a bad value stops the app with a clear message. */
export function readShareLinksDefault(env: Env = process.env): ShareLinkMode {
  const raw = env.SHARE_LINKS?.trim() || "signed-in";
  if (!isShareLinkMode(raw)) throw new Error(`SHARE_LINKS must be one of ${shareLinkModes.join(", ")}, got "${raw}".`);
  return raw;
}

/** `SHARE_VIEW_RATE_LIMIT_PER_MINUTE`: requests under /s/ one client address may make per minute. */
export const readShareViewLimit = (env: Env = process.env) =>
  positiveIntFromEnv(env, "SHARE_VIEW_RATE_LIMIT_PER_MINUTE", 120);
