/**
 * The route a path belongs to, for logs and metric labels: ids and tokens become `:id`, so a
 * line never carries a reset token and labels stay few. Paths no route serves are "(unmatched)":
 * a scanner's random paths must not each make a new time series.
 */
const patterns: [RegExp, string][] = [
  [/^\/$/, "/"],
  [/^\/chat\/[^/]+$/, "/chat/:id"],
  [/^\/(sign-in|sign-up|forgot-password|reset-password|account|admin)$/, "/$1"],
  [/^\/api\/(health|ready|metrics|chat|search|export|threads|attachments)$/, "/api/$1"],
  [/^\/api\/attachments\/[^/]+$/, "/api/attachments/:id"],
  [/^\/api\/threads\/[^/]+$/, "/api/threads/:id"],
  [/^\/api\/threads\/[^/]+\/(messages|title|export|stream|stop)$/, "/api/threads/:id/$1"],
  [/^\/api\/admin\/(users|signup-policy|invitations|audit)$/, "/api/admin/$1"],
  [/^\/api\/admin\/users\/[^/]+$/, "/api/admin/users/:id"],
  [/^\/api\/admin\/users\/[^/]+\/(approve|ban|sessions|two-factor)$/, "/api/admin/users/:id/$1"],
  [/^\/api\/admin\/invitations\/[^/]+$/, "/api/admin/invitations/:id"],
  // better-auth's endpoints this app uses by name; a token or provider id in the path becomes :id,
  // and any other path under /api/auth is one label.
  [/^\/api\/auth\/(reset-password|callback)\/[^/]+$/, "/api/auth/$1/:id"],
  [/^\/api\/auth\/(sign-in\/(email|social)|sign-up\/email|sign-out|get-session|list-sessions|revoke-session|revoke-sessions|revoke-other-sessions|change-password|request-password-reset|reset-password|verify-email|send-verification-email|delete-user|list-accounts|link-social|unlink-account|update-user)$/, "$&"],
  [/^\/api\/auth\/(two-factor|passkey|admin)\/(enable|disable|verify-totp|verify-backup-code|generate-backup-codes|get-totp-uri|generate-register-options|verify-registration|generate-authenticate-options|verify-authentication|list-user-passkeys|delete-passkey|update-passkey|ban-user|unban-user|set-role|remove-user|revoke-user-sessions|list-users|impersonate-user)$/, "$&"],
  [/^\/api\/auth\/.*/, "/api/auth/*"],
  [/^\/_next\/.*/, "/_next/*"],
  [/^\/(favicon\.ico|icon\.svg|robots\.txt)$/, "/$1"],
];

export function routePatternOf(pathname: string): string {
  for (const [pattern, name] of patterns) if (pattern.test(pathname)) return pathname.replace(pattern, name);
  return "(unmatched)";
}
