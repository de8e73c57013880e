import type { Env } from "@/lib/config/env";

const hostHeader = /^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

/**
 * The origins a browser request to this app may carry: the one Next.js gives the request, and
 * BETTER_AUTH_URL's. Without BETTER_AUTH_URL (the zero-setup run, or one container opened at
 * whatever address) the host the browser asked for counts as well: Next.js builds `request.url`
 * from its own listen address (HOSTNAME, 0.0.0.0 in a container), which no browser sends as its
 * Origin. A cross-site page still never matches: its Origin names its own site, not this host.
 */
export function appOrigins(request: Request, env: Env = process.env): string[] {
  const own = new URL(request.url);
  if (env.BETTER_AUTH_URL) return [own.origin, new URL(env.BETTER_AUTH_URL).origin];
  const host = request.headers.get("host")?.toLowerCase();
  return host && hostHeader.test(host) ? [own.origin, `${own.protocol}//${host}`] : [own.origin];
}
