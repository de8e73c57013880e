import type { Env } from "@/lib/env";
export type SocialProviderId = "github" | "google";

/** A social sign-in is offered only when both its client id and secret are configured. */
export function enabledSocialProviders(env: Env = process.env): SocialProviderId[] {
  const providers: SocialProviderId[] = [];
  if (env.GITHUB_CLIENT_ID && env.GITHUB_CLIENT_SECRET) providers.push("github");
  if (env.GOOGLE_CLIENT_ID && env.GOOGLE_CLIENT_SECRET) providers.push("google");
  return providers;
}
