import "server-only";
import { logger } from "@/lib/observability/logger";
/**
 * One line per security event on the server log, as JSON so it can be searched and alerted on:
 * who was tried (email), from where (the client address as decided in lib/http/client-address.ts),
 * and what happened. Never a password or token.
 */
export function logAuthEvent(
  event: "sign_in_failed" | "sign_in_locked" | "rate_limited",
  fields: Record<string, unknown>,
): void {
  logger.warn({ event, ...fields }, "auth");
}
