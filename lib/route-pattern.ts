/**
 * The route a path belongs to, for logs and metric labels: ids and tokens become `:id`, so a
 * line never carries a reset token and labels stay few. Paths no route serves are "(unmatched)":
 * a scanner's random paths must not each make a new time series.
 */
const patterns: [RegExp, string][] = [
  [/^\/$/, "/"],
  [/^\/chat\/[^/]+$/, "/chat/:id"],
  [/^\/(sign-in|sign-up|forgot-password|reset-password|account|admin)$/, "/$1"],
  [/^\/api\/(health|ready|metrics|chat|search|export|threads)$/, "/api/$1"],
  [/^\/api\/threads\/[^/]+$/, "/api/threads/:id"],
  [/^\/api\/threads\/[^/]+\/(messages|title|export|stream|stop)$/, "/api/threads/:id/$1"],
  [/^\/api\/admin\/(users|signup-policy|invitations|audit)$/, "/api/admin/$1"],
  [/^\/api\/admin\/users\/[^/]+$/, "/api/admin/users/:id"],
  [/^\/api\/admin\/users\/[^/]+\/(approve|ban|sessions|two-factor)$/, "/api/admin/users/:id/$1"],
  [/^\/api\/admin\/invitations\/[^/]+$/, "/api/admin/invitations/:id"],
  // better-auth's endpoints: words, except a token in the path (reset-password/:token) or a provider id.
  [/^\/api\/auth\/(reset-password|callback|oauth2\/callback)\/[^/]+$/, "/api/auth/$1/:id"],
  [/^\/api\/auth(\/[a-z0-9-]+){1,3}$/, "$&"],
  [/^\/_next\/.*/, "/_next/*"],
  [/^\/(favicon\.ico|icon\.svg|robots\.txt)$/, "/$1"],
];

export function routePatternOf(pathname: string): string {
  for (const [pattern, name] of patterns) if (pattern.test(pathname)) return pathname.replace(pattern, name);
  return "(unmatched)";
}
