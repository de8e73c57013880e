import { authEndpointPattern } from "@/lib/auth/endpoints";

/**
 * The route a path belongs to, for logs and metric labels: ids and tokens become `:id`, so a
 * line never carries a reset token and labels stay few. Paths no route serves are "(unmatched)":
 * a scanner's random paths must not each make a new time series.
 */
const patterns: [RegExp, string][] = [
  [/^\/$/, "/"],
  [/^\/chat\/[^/]+$/, "/chat/:id"],
  [/^\/w\/[^/]+$/, "/w/:slug"],
  [/^\/w\/[^/]+\/chat\/[^/]+$/, "/w/:slug/chat/:id"],
  [/^\/w\/[^/]+\/settings$/, "/w/:slug/settings"],
  [/^\/workspaces\/new$/, "/workspaces/new"],
  [/^\/projects\/[^/]+$/, "/projects/:id"],
  [/^\/projects\/[^/]+\/files\/[^/]+$/, "/projects/:id/files/:fileId"],
  [/^\/(sign-in|sign-up|forgot-password|reset-password|account|admin)$/, "/$1"],
  [/^\/api\/(health|ready|metrics|chat|search|export|threads|attachments|projects)$/, "/api/$1"],
  [/^\/api\/attachments\/[^/]+$/, "/api/attachments/:id"],
  [/^\/api\/threads\/shared$/, "/api/threads/shared"],
  [/^\/api\/threads\/[^/]+$/, "/api/threads/:id"],
  [
    /^\/api\/threads\/[^/]+\/(messages|title|export|stream|stop|share|copy|link|tools|project|instructions)$/,
    "/api/threads/:id/$1",
  ],
  [/^\/api\/threads\/[^/]+\/tool-calls\/[^/]+$/, "/api/threads/:id/tool-calls/:toolCallId"],
  [/^\/api\/projects\/[^/]+$/, "/api/projects/:id"],
  [/^\/api\/projects\/[^/]+\/files$/, "/api/projects/:id/files"],
  [/^\/api\/projects\/[^/]+\/files\/[^/]+$/, "/api/projects/:id/files/:fileId"],
  [/^\/api\/projects\/[^/]+\/files\/[^/]+\/content$/, "/api/projects/:id/files/:fileId/content"],
  [/^\/api\/projects\/[^/]+\/files\/[^/]+\/passages\/[^/]+$/, "/api/projects/:id/files/:fileId/passages/:seq"],
  [/^\/api\/account\/(instructions|import)$/, "/api/account/$1"],
  // A share link's token is its secret: never in a log line.
  [/^\/s\/[^/]+$/, "/s/:token"],
  [/^\/s\/[^/]+\/files\/[^/]+$/, "/s/:token/files/:id"],
  [/^\/s\/[^/]+\/continue$/, "/s/:token/continue"],
  [/^\/api\/share-links$/, "/api/share-links"],
  [/^\/api\/share-links\/[^/]+$/, "/api/share-links/:id"],
  // A workspace invitation's id is the secret of its link: never in a log line.
  [/^\/invite\/[^/]+$/, "/invite/:id"],
  [/^\/api\/workspaces(\/active)?$/, "/api/workspaces$1"],
  [/^\/api\/workspaces\/[^/]+$/, "/api/workspaces/:id"],
  [/^\/api\/workspaces\/[^/]+\/(invitations|leave|usage|audit)$/, "/api/workspaces/:id/$1"],
  [/^\/api\/workspaces\/[^/]+\/invitations\/[^/]+$/, "/api/workspaces/:id/invitations/:invitationId"],
  [/^\/api\/workspaces\/[^/]+\/members\/[^/]+$/, "/api/workspaces/:id/members/:memberId"],
  [/^\/api\/invitations\/[^/]+\/accept$/, "/api/invitations/:id/accept"],
  [
    /^\/api\/admin\/(users|signup-policy|invitations|audit|workspaces|workspace-creation|share-links|share-link-policy|mcp-servers)$/,
    "/api/admin/$1",
  ],
  [/^\/api\/admin\/share-links\/[^/]+$/, "/api/admin/share-links/:id"],
  [/^\/api\/admin\/mcp-servers\/[^/]+$/, "/api/admin/mcp-servers/:id"],
  [/^\/api\/admin\/mcp-servers\/[^/]+\/refresh$/, "/api/admin/mcp-servers/:id/refresh"],
  // The callback's query (code, state) is never part of a pattern.
  [/^\/api\/tool-connections(\/oauth\/callback)?$/, "/api/tool-connections$1"],
  [/^\/api\/tool-connections\/[^/]+$/, "/api/tool-connections/:serverId"],
  [/^\/api\/tool-connections\/[^/]+\/oauth$/, "/api/tool-connections/:serverId/oauth"],
  [/^\/api\/admin\/users\/[^/]+$/, "/api/admin/users/:id"],
  [/^\/api\/admin\/users\/[^/]+\/(approve|ban|sessions|two-factor|password-reset)$/, "/api/admin/users/:id/$1"],
  [/^\/api\/admin\/invitations\/[^/]+$/, "/api/admin/invitations/:id"],
  [/^\/api\/auth\/.*/, "/api/auth/*"],
  [/^\/_next\/.*/, "/_next/*"],
  [/^\/(favicon\.ico|icon\.svg|robots\.txt)$/, "/$1"],
  [/^\/vendor\/mermaid\/.+$/, "/vendor/mermaid/*"],
];

export function routePatternOf(pathname: string): string {
  // better-auth's endpoints the app answers, by their allow-list pattern (a reset token or a
  // provider id becomes :token / :id); every other path under /api/auth is one label.
  const authPattern = pathname.startsWith("/api/auth/")
    ? authEndpointPattern(pathname.slice("/api/auth".length))
    : undefined;
  if (authPattern) return `/api/auth${authPattern}`;
  for (const [pattern, name] of patterns) if (pattern.test(pathname)) return pathname.replace(pattern, name);
  return "(unmatched)";
}
