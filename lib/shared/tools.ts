/**
 * Tools (MCP servers an instance admin connects): the names, limits and wire shapes the API and
 * the browser share. Browser-safe: no server import, and no shape here ever carries a secret (a
 * shared token, an OAuth client secret, a person's token) — only whether one is set.
 */

/** How a server learns who is calling: not at all, one shared bearer token, or each person's own. */
export const serverAuthModes = ["none", "shared", "per_person"] as const;
export type ServerAuthMode = (typeof serverAuthModes)[number];

/** Whether a tool runs when the model calls it: after the person says so, at once, or never. */
export const toolPolicies = ["ask", "allow", "never"] as const;
export type ToolPolicy = (typeof toolPolicies)[number];

/** Who may use a server: everyone on the instance, or the members of listed workspaces. */
export const serverAudiences = ["everyone", "workspaces"] as const;
export type ServerAudience = (typeof serverAudiences)[number];

export const serverStatuses = ["unknown", "ok", "failing"] as const;
export type ServerStatus = (typeof serverStatuses)[number];

export const toolDecisions = ["run", "deny"] as const;
export type ToolDecision = (typeof toolDecisions)[number];

/** Field limits the API enforces (and the forms repeat as maxLength). */
export const toolLimits = {
  serverNameMaxChars: 80,
  serverDescriptionMaxChars: 500,
  serverUrlMaxChars: 2000,
  tokenMaxChars: 4096,
  oauthClientIdMaxChars: 500,
  oauthClientSecretMaxChars: 4096,
  /** A tool's name as a server lists it (MCP names are short identifiers). */
  toolNameMaxChars: 200,
  /** Tools one PATCH may change (a server lists at most 200). */
  toolsPerPatch: 200,
  workspacesPerServer: 200,
  /** The model's id for a tool call. */
  toolCallIdMaxChars: 200,
} as const;

/** A header the server names the person by: a plain header name, never one HTTP or MCP itself uses. */
/**
 * The header that names the calling person to a shared-token server: a custom `X-` header, never
 * one a proxy acts on (the database's CHECK holds the same rule).
 */
export const identityHeaderPattern = /^X-[A-Za-z0-9][A-Za-z0-9-]{0,61}$/i;
export const reservedIdentityHeader = (name: string) =>
  /^x-(forwarded-|real-ip$|client-ip$|http-method|method-override$|original-|rewrite-url$)/i.test(name);
export const validIdentityHeader = (name: string) => identityHeaderPattern.test(name) && !reservedIdentityHeader(name);

/** A tool of a server, as an admin sees and sets it. */
export type AdminToolView = {
  name: string;
  title: string | null;
  description: string;
  offered: boolean;
  policy: ToolPolicy;
};

/** A connected MCP server on /admin (GET /api/admin/mcp-servers): never a secret, only whether one is set. */
export type ServerView = {
  id: string;
  name: string;
  description: string;
  url: string;
  auth: ServerAuthMode;
  identityHeader: string | null;
  hasSharedToken: boolean;
  oauthClientId: string | null;
  hasOAuthClientSecret: boolean;
  /**
   * The redirect URI to register a static OAuth client with (`BETTER_AUTH_URL` +
   * `/api/tool-connections/oauth/callback?server=<id>`): one per server. Null unless the server's
   * auth is per_person (or while BETTER_AUTH_URL is unset).
   */
  oauthRedirectUri: string | null;
  audience: ServerAudience;
  workspaceIds: string[];
  enabled: boolean;
  status: ServerStatus;
  statusMessage: string | null;
  checkedAt: string | null;
  tools: AdminToolView[];
};

/** What an admin sends to connect a server (POST /api/admin/mcp-servers). */
export type ServerInput = {
  name: string;
  description?: string;
  url: string;
  auth: ServerAuthMode;
  sharedToken?: string;
  identityHeader?: string | null;
  oauthClientId?: string | null;
  oauthClientSecret?: string | null;
  audience?: ServerAudience;
  workspaceIds?: string[];
};

/** What an admin may change (PATCH /api/admin/mcp-servers/:id). */
export type ServerPatch = Partial<ServerInput> & {
  enabled?: boolean;
  tools?: { name: string; offered?: boolean; policy?: ToolPolicy }[];
};

/** A tool a person may switch on in a thread (GET /api/threads/:id/tools). */
export type ThreadToolView = {
  name: string;
  title: string | null;
  description: string;
  policy: ToolPolicy;
  enabled: boolean;
  alwaysAllow: boolean;
};

export type ThreadToolServerView = {
  id: string;
  name: string;
  description: string;
  status: ServerStatus;
  auth: ServerAuthMode;
  /** A per-person server the caller has not connected their own account to yet. */
  needsSignIn: boolean;
  tools: ThreadToolView[];
};

export type ThreadToolsJson = { servers: ThreadToolServerView[] };

/** PUT /api/threads/:id/tools */
export type ThreadToolSetting = { serverId: string; tool: string; enabled?: boolean; alwaysAllow?: boolean };
export type ThreadToolSettingJson = { tool: { name: string; enabled: boolean; alwaysAllow: boolean } };

/** A per-person server on /account (GET /api/tool-connections): whether the person's own account is connected. */
export type ToolConnectionView = {
  id: string;
  name: string;
  description: string;
  /** Where a pasted token or a sign-in goes: the server's host, shown next to its name. */
  host: string;
  connected: boolean;
  method: "token" | "oauth" | null;
  /** The server signs people in with OAuth (else: paste an access token). */
  oauth: boolean;
};

export type ToolConnectionsJson = { servers: ToolConnectionView[] };

/** Where the OAuth callback sends the person back to (303). */
export const toolConnectionReturn = {
  connected: "/account?tools=connected#tools",
  failed: "/account?tools=failed#tools",
} as const;
