import "server-only";
import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import {
  chatUsage,
  mcpCredential,
  mcpOauthFlow,
  mcpServer,
  mcpServerWorkspace,
  mcpTool,
  thread,
  threadTool,
  workspace,
  workspaceMember,
  type McpServer,
} from "@/db/schema";
import { ApiError, notFound } from "@/lib/http/errors";
import { queryRows } from "@/lib/db/rows";
import { logger } from "@/lib/observability/logger";
import { audit as defaultAudit, type Audit } from "@/lib/admin/audit";
import { decryptSecret, encryptSecret } from "@/lib/tools/credentials";
import { checkServerUrl } from "@/lib/tools/network";
import { listServerTools, type ListedTool, type ServerAccess } from "@/lib/tools/mcp-connection";
import {
  callbackServerParam,
  finishOAuth,
  OAuthFlowError,
  oauthRedirectUri,
  refreshOAuth,
  sameIssuer,
  startOAuth,
  type OAuthFlow,
  type OAuthMetadata,
  type OAuthServer,
} from "@/lib/tools/oauth";
import { toolLimits } from "@/lib/tools/limits";
import { approvals as defaultApprovals, type Approvals } from "@/lib/tools/approvals";
import {
  serverAudiences,
  serverAuthModes,
  toolLimits as fieldLimits,
  toolPolicies,
  type ServerInput,
  type ServerPatch,
  type ServerView,
  type ThreadToolSetting,
  type ThreadToolsJson,
  type ToolConnectionsJson,
  type ToolDecision,
  type ToolPolicy,
  validIdentityHeader,
} from "@/lib/shared/tools";

export type {
  ServerInput,
  ServerPatch,
  ServerView,
  ThreadToolSetting,
  ThreadToolsJson,
  ToolConnectionsJson,
  ToolDecision,
} from "@/lib/shared/tools";

/**
 * MCP servers, their tools, and who may use them (issue 26). As everywhere in this app's data
 * layer, every function takes its caller first, and the rule of who may use a server is in the
 * same SQL statement that reads or writes: enabled, and for everyone or for the members of a
 * listed workspace. A tool is usable when its server is, the admin offers it, and its policy is
 * not `never`. A server, tool, thread or call the caller may not use behaves exactly like a
 * missing one (404).
 *
 * Secrets (a server's shared token and OAuth client secret, its dynamic registration, a person's
 * token, an OAuth flow's verifier) are encrypted here (lib/tools/credentials.ts) and decrypted
 * only to call the server; one read with a former key is saved again under the current key. No
 * view, log line or audit row carries one. A person's credential is only ever read with their own
 * id in the statement.
 */

/** Where a request came from, for the audit log (`requestOrigin(caller.headers)`). */
export type Origin = { address: string | null; userAgent: string | null };

/** A tool of a thread as the turn offers it to the model: its stored definition and how to reach it. */
export type TurnTool = {
  serverId: string;
  server: string;
  tool: string;
  title: string | null;
  description: string;
  inputSchema: Record<string, unknown>;
  policy: "ask" | "allow";
  alwaysAllow: boolean;
  /** Decrypted for this call only: the shared token, or this person's own token. */
  access: ServerAccess;
};

/** A person's credential (encrypted JSON); `issuer`: the authorization server an OAuth sign-in was made with. */
type StoredToken = { accessToken: string; refreshToken?: string; expiresAt?: number; issuer?: string };

/** Open OAuth sign-ins one person may have (older ones are dropped), and starts per minute. */
const maxOpenFlows = 5;
const maxStartsPerMinute = 5;

/**
 * The row and column an encrypted box belongs to, authenticated with it (lib/tools/credentials.ts):
 * a box copied into another row does not open there.
 */
type ServerSecretColumn = "sharedToken" | "oauthClientSecret" | "oauthClientInfo";
const serverSecretColumns = {
  sharedToken: "shared_token",
  oauthClientSecret: "oauth_client_secret",
  oauthClientInfo: "oauth_client_info",
} as const satisfies Record<ServerSecretColumn, string>;
const serverSecretContext = (serverId: string, column: ServerSecretColumn) =>
  `mcp_server:${serverId}:${serverSecretColumns[column]}`;
const credentialContext = (userId: string, serverId: string) => `mcp_credential:${userId}:${serverId}`;
const flowContext = (state: string, userId: string) => `mcp_oauth_flow:${state}:${userId}:code_verifier`;

/**
 * A person's identity header: a custom `X-` name (never one HTTP, MCP, or a proxy in front of the
 * server acts on, such as X-Forwarded-For); the database CHECK repeats it.
 */

const flowMinutes = 10;
const maxSchemaBytes = 65_536;
const maxToolDescription = 2000;
const maxStatusMessage = 300;

/** JSON with its object keys sorted: the same value stored as jsonb (which orders keys) compares equal. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
      .join(",")}}`;
  return JSON.stringify(value) ?? "null";
}
/** What the model sees of a tool: a change in any of it needs the admin's offer again. */
const definitionKey = (t: { title: string | null; description: string; inputSchema: unknown }) =>
  canonicalJson([t.title, t.description, t.inputSchema]);

/** Who may use server `s` (alias): in the statement, never checked apart from it. */
export const usableServer = (userId: string, s: SQL = sql`s`) =>
  sql`(${s}.enabled and (${s}.audience = 'everyone' or exists (
    select 1 from ${mcpServerWorkspace} sw join ${workspaceMember} m on m.workspace_id = sw.workspace_id
    where sw.server_id = ${s}.id and m.user_id = ${userId})))`;
/** A tool `tl` (alias) people may switch on and the model may be offered. */
const usableTool = sql`(tl.offered and tl.policy <> 'never')`;

const bad = (message: string) => new ApiError("bad_request", message);
const oneLine = (text: string, max = maxStatusMessage) => text.replace(/\s+/g, " ").trim().slice(0, max);

/** An error's message for a status line: one line, short (never a token: see reasonOf's callers). */
function reasonOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return oneLine(message || "The server could not be reached.");
}

function tryDecrypt(box: string | null, context: string): { plain: string; stale: boolean } | null {
  if (!box) return null;
  try {
    return decryptSecret(box, context);
  } catch (error) {
    logger.warn({ err: error }, "tools: a stored secret could not be decrypted");
    return null;
  }
}

function parseToken(plain: string): StoredToken | null {
  try {
    const value = JSON.parse(plain) as StoredToken;
    return typeof value?.accessToken === "string" ? value : null;
  } catch {
    return null;
  }
}

type ServerRow = McpServer;

export function createToolCatalog(
  db: AppDatabase = defaultDb,
  deps: {
    log?: Pick<Audit, "record" | "emailOf">;
    approvals?: Pick<Approvals, "decideForUser">;
    listTools?: typeof listServerTools;
    oauth?: { start: typeof startOAuth; finish: typeof finishOAuth; refresh: typeof refreshOAuth };
    checkUrl?: (url: string) => URL;
    timeoutMs?: () => number;
  } = {},
) {
  const log = deps.log ?? defaultAudit;
  const approvals = deps.approvals ?? defaultApprovals;
  const listTools = deps.listTools ?? listServerTools;
  const oauth = deps.oauth ?? { start: startOAuth, finish: finishOAuth, refresh: refreshOAuth };
  const checkUrl = deps.checkUrl ?? checkServerUrl;
  const timeoutMs = deps.timeoutMs ?? (() => toolLimits().toolTimeoutMs);
  /** Token refreshes running on this instance, by person and server. */
  const refreshing = new Map<string, Promise<string | null>>();

  const actor = async (id: string) => ({ id, email: await log.emailOf(id) });

  // ---------------------------------------------------------------- secrets

  /** A server column's secret, re-encrypted under the current key when a former one sealed it. */
  async function serverSecret(
    server: Pick<ServerRow, "id">,
    column: ServerSecretColumn,
    box: string | null,
  ): Promise<string | null> {
    const context = serverSecretContext(server.id, column);
    const opened = tryDecrypt(box, context);
    if (!opened) return null;
    if (opened.stale) {
      await db
        .update(mcpServer)
        .set({ [column]: encryptSecret(opened.plain, context) })
        .where(and(eq(mcpServer.id, server.id), eq(mcpServer[column], box!)))
        .catch((error: unknown) => logger.warn({ err: error }, "tools: could not re-encrypt a server secret"));
    }
    return opened.plain;
  }

  const oauthServerOf = async (server: ServerRow): Promise<OAuthServer> => ({
    id: server.id,
    url: server.url,
    clientId: server.oauthClientId,
    clientSecret: await serverSecret(server, "oauthClientSecret", server.oauthClientSecret),
    clientInfo: await serverSecret(server, "oauthClientInfo", server.oauthClientInfo),
    metadata: server.oauthMetadata,
  });

  /**
   * Saves a credential again (refreshed, or re-encrypted under the current key) only if it is still
   * the box that was read: a credential removed meanwhile (Disconnect, a new address) never comes back.
   */
  const replaceCredential = (
    userId: string,
    serverId: string,
    token: StoredToken,
    previous: string,
    executor: Pick<AppDatabase, "update"> = db,
  ) =>
    executor
      .update(mcpCredential)
      .set({ secret: encryptSecret(JSON.stringify(token), credentialContext(userId, serverId)), updatedAt: new Date() })
      .where(
        and(eq(mcpCredential.userId, userId), eq(mcpCredential.serverId, serverId), eq(mcpCredential.secret, previous)),
      );

  /**
   * Stores a finished sign-in as the person's credential, only while the server still has the
   * address and the authorization server the sign-in was made with. False when it changed.
   */
  async function saveSignIn(userId: string, server: ServerRow, token: StoredToken & { issuer: string }) {
    const secret = encryptSecret(JSON.stringify(token), credentialContext(userId, server.id));
    const rows = await queryRows<{ server_id: string }>(
      db,
      sql`
        insert into ${mcpCredential} (user_id, server_id, kind, secret)
        select ${userId}, s.id, 'oauth', ${secret} from ${mcpServer} s
        where s.id = ${server.id} and s.url = ${server.url} and s.auth = 'per_person' and s.oauth_issuer = ${token.issuer}
        on conflict (user_id, server_id) do update set kind = 'oauth', secret = excluded.secret, updated_at = now()
        returning server_id`,
    );
    return rows.length > 0;
  }

  /**
   * This person's own token for a server, from a credential row read with their id: re-encrypted
   * when stale, refreshed (OAuth) when it expires within a minute and can be. Null: none usable.
   */
  async function personToken(
    userId: string,
    server: ServerRow,
    credential: { kind: string; secret: string } | null,
  ): Promise<string | null> {
    if (!credential) return null;
    const opened = tryDecrypt(credential.secret, credentialContext(userId, server.id));
    const token = opened && parseToken(opened.plain);
    if (!token) return null;
    // A refresh token goes only to the authorization server it came from, as pinned for the server.
    const refreshable =
      credential.kind === "oauth" &&
      !!token.refreshToken &&
      !!token.issuer &&
      server.oauthIssuer === token.issuer &&
      server.oauthMetadata?.issuer === token.issuer;
    if (refreshable && token.expiresAt && token.expiresAt < Date.now() + 60_000) {
      try {
        const target = await oauthServerOf(server);
        // One refresh at a time per person and server on this instance (a refresh token may be
        // single-use: sending it twice can revoke the grant); a turn that finds one running waits
        // for it. No database connection is held across the call to the authorization server.
        const key = `${userId}:${server.id}`;
        let running = refreshing.get(key);
        if (!running) {
          running = (async () => {
            const fresh = await oauth.refresh(target, token.refreshToken!);
            const next = { ...fresh, refreshToken: fresh.refreshToken ?? token.refreshToken, issuer: token.issuer };
            // Compare-and-swap on the box it replaces: what another instance stored first, or a
            // disconnect meanwhile, wins over this refresh.
            const replaced = await replaceCredential(userId, server.id, next, credential.secret).returning({
              serverId: mcpCredential.serverId,
            });
            if (replaced.length > 0) return next.accessToken;
            const [now] = await db
              .select({ secret: mcpCredential.secret })
              .from(mcpCredential)
              .where(and(eq(mcpCredential.userId, userId), eq(mcpCredential.serverId, server.id)));
            if (!now) return null;
            return (
              parseToken(tryDecrypt(now.secret, credentialContext(userId, server.id))?.plain ?? "")?.accessToken ?? null
            );
          })().finally(() => refreshing.delete(key));
          refreshing.set(key, running);
        }
        return await running;
      } catch (error) {
        logger.warn({ err: error, serverId: server.id }, "tools: could not refresh a person's sign-in");
        return token.accessToken;
      }
    }
    if (opened.stale)
      await replaceCredential(userId, server.id, token, credential.secret).catch((error: unknown) =>
        logger.warn({ err: error }, "tools: could not re-encrypt a credential"),
      );
    return token.accessToken;
  }

  /** How to reach a server as `userId` (shared token, or their own credential); null when they have none. */
  async function accessFor(
    userId: string,
    server: ServerRow,
    credential: { kind: string; secret: string } | null,
  ): Promise<ServerAccess | null> {
    const base = { url: server.url, auth: server.auth, identityHeader: server.identityHeader, personId: userId };
    if (server.auth === "none") return base;
    if (server.auth === "shared")
      return { ...base, sharedToken: await serverSecret(server, "sharedToken", server.sharedToken) };
    const own = await personToken(userId, server, credential);
    return own ? { ...base, personToken: own } : null;
  }

  const credentialOf = async (userId: string, serverId: string) => {
    const [row] = await db
      .select({ kind: mcpCredential.kind, secret: mcpCredential.secret })
      .from(mcpCredential)
      .where(and(eq(mcpCredential.userId, userId), eq(mcpCredential.serverId, serverId)));
    return row ?? null;
  };

  // ---------------------------------------------------------------- admin side

  /** The redirect URI an admin registers a static OAuth client with; null while BETTER_AUTH_URL is unset. */
  const redirectUriOf = (serverId: string) => {
    try {
      return oauthRedirectUri(serverId);
    } catch {
      return null;
    }
  };

  async function views(where?: SQL): Promise<ServerView[]> {
    const servers = await db.select().from(mcpServer).where(where).orderBy(asc(mcpServer.name));
    if (servers.length === 0) return [];
    const ids = servers.map((s) => s.id);
    const [tools, audiences] = await Promise.all([
      db
        .select({
          serverId: mcpTool.serverId,
          name: mcpTool.name,
          title: mcpTool.title,
          description: mcpTool.description,
          offered: mcpTool.offered,
          policy: mcpTool.policy,
        })
        .from(mcpTool)
        .where(inArray(mcpTool.serverId, ids))
        .orderBy(asc(mcpTool.name)),
      db.select().from(mcpServerWorkspace).where(inArray(mcpServerWorkspace.serverId, ids)),
    ]);
    return servers.map((s) => ({
      id: s.id,
      name: s.name,
      description: s.description,
      url: s.url,
      auth: s.auth,
      identityHeader: s.identityHeader,
      hasSharedToken: s.sharedToken !== null,
      oauthClientId: s.oauthClientId,
      hasOAuthClientSecret: s.oauthClientSecret !== null,
      oauthRedirectUri: s.auth === "per_person" ? redirectUriOf(s.id) : null,
      audience: s.audience,
      workspaceIds: audiences.filter((a) => a.serverId === s.id).map((a) => a.workspaceId),
      enabled: s.enabled,
      status: s.status,
      statusMessage: s.statusMessage,
      checkedAt: s.checkedAt?.toISOString() ?? null,
      tools: tools
        .filter((t) => t.serverId === s.id)
        .map((t) => ({
          name: t.name,
          title: t.title,
          description: t.description,
          offered: t.offered,
          policy: t.policy,
        })),
    }));
  }

  async function viewOf(id: string): Promise<ServerView> {
    const [view] = await views(eq(mcpServer.id, id));
    if (!view) throw notFound("Server");
    return view;
  }

  /** Every connected server, by name, as /admin shows it (never a secret). */
  function listServers(): Promise<ServerView[]> {
    return views();
  }

  const checkName = (name: string) => {
    const trimmed = name.trim();
    if (trimmed.length < 1 || trimmed.length > fieldLimits.serverNameMaxChars)
      throw bad(`A server's name has 1 to ${fieldLimits.serverNameMaxChars} characters.`);
    return trimmed;
  };
  const checkDescription = (text: string) => {
    if (text.length > fieldLimits.serverDescriptionMaxChars)
      throw bad(`A server's description has at most ${fieldLimits.serverDescriptionMaxChars} characters.`);
    return text;
  };
  const checkHeader = (header: string | null | undefined) => {
    const value = header?.trim() || null;
    if (value && !validIdentityHeader(value))
      throw bad(
        "The identity header must be a custom header name starting with X- (letters, digits, -), not one a proxy acts on (X-Forwarded-*, X-Real-IP, ...).",
      );
    return value;
  };
  /**
   * A per-person server's address goes to its authorization server (as `resource`) and into every
   * person's authorization URL, so it carries no query (a key in it would leak there).
   */
  const checkPerPersonUrl = (url: string, auth: string) => {
    if (auth === "per_person" && new URL(url).search !== "")
      throw bad(
        "A per-person server's address cannot have a query (?...): it is sent to the authorization server and shown in people's browsers. To send a key with every request, use a shared token.",
      );
  };
  const secretOrNull = (value: string | null | undefined, serverId: string, column: ServerSecretColumn) =>
    value ? encryptSecret(value, serverSecretContext(serverId, column)) : null;

  /** The listed workspaces that exist; an unknown one is a 400. */
  async function checkWorkspaces(ids: string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (unique.length > fieldLimits.workspacesPerServer)
      throw bad(`A server is offered to at most ${fieldLimits.workspacesPerServer} workspaces.`);
    if (unique.length === 0) return [];
    const found = await db.select({ id: workspace.id }).from(workspace).where(inArray(workspace.id, unique));
    if (found.length !== unique.length) throw bad("A listed workspace does not exist.");
    return unique;
  }

  const isUniqueViolation = (error: unknown) => {
    for (let e: unknown = error; e; e = (e as { cause?: unknown }).cause)
      if ((e as { code?: unknown }).code === "23505") return true;
    return false;
  };
  const duplicateName = () => new ApiError("conflict", "A server with this name is already connected.");

  /**
   * Connects a server: checked (the URL by the network guard), stored with its secrets encrypted,
   * then contacted once to list its tools; a failure there still saves it, as failing with the reason.
   */
  async function createServer(adminId: string, input: ServerInput, origin?: Origin): Promise<ServerView> {
    const name = checkName(input.name);
    const description = checkDescription(input.description ?? "");
    const url = checkUrl(input.url.trim()).href;
    if (!serverAuthModes.includes(input.auth)) throw bad("Unknown authentication.");
    if (input.auth === "shared" && !input.sharedToken) throw bad("A server with a shared token needs the token.");
    checkPerPersonUrl(url, input.auth);
    const audience = input.audience ?? "everyone";
    if (!serverAudiences.includes(audience)) throw bad("Unknown audience.");
    const workspaceIds = audience === "workspaces" ? await checkWorkspaces(input.workspaceIds ?? []) : [];
    // Chosen here, so the secrets can be sealed for this row.
    const newId = randomUUID();
    const id = await db
      .transaction(async (tx) => {
        const [row] = await tx
          .insert(mcpServer)
          .values({
            id: newId,
            name,
            description,
            url,
            auth: input.auth,
            sharedToken: input.auth === "shared" ? secretOrNull(input.sharedToken, newId, "sharedToken") : null,
            identityHeader: checkHeader(input.identityHeader),
            oauthClientId: input.oauthClientId?.trim() || null,
            oauthClientSecret: secretOrNull(input.oauthClientSecret, newId, "oauthClientSecret"),
            audience,
            createdBy: adminId,
          })
          .onConflictDoNothing({ target: mcpServer.name })
          .returning({ id: mcpServer.id });
        if (!row) throw duplicateName();
        if (workspaceIds.length)
          await tx
            .insert(mcpServerWorkspace)
            .values(workspaceIds.map((workspaceId) => ({ serverId: row.id, workspaceId })));
        return row.id;
      })
      .catch((error: unknown) => {
        throw isUniqueViolation(error) ? duplicateName() : error;
      });
    await log.record({
      action: "mcp_server_created",
      actor: await actor(adminId),
      detail: { serverId: id, server: name, auth: input.auth, audience },
      ...origin,
    });
    return refresh(adminId, id);
  }

  /** Lists the server's tools (through the network guard) and stores them; the status says how it went. */
  async function refresh(adminId: string, id: string): Promise<ServerView> {
    const [server] = await db.select().from(mcpServer).where(eq(mcpServer.id, id));
    if (!server) throw notFound("Server");
    const access = await accessFor(adminId, server, await credentialOf(adminId, id));
    if (!access) {
      // Per person, listed with the admin's own account: they have not connected it yet.
      await db
        .update(mcpServer)
        .set({
          statusMessage:
            "Tools of a per-person server are listed with your own account: connect it under Account → Connected tools, then refresh.",
        })
        .where(eq(mcpServer.id, id));
      return viewOf(id);
    }
    let listed: ListedTool[];
    try {
      listed = await listTools(access, AbortSignal.timeout(timeoutMs()));
    } catch (error) {
      await db
        .update(mcpServer)
        .set({ status: "failing", statusMessage: reasonOf(error), checkedAt: new Date() })
        .where(eq(mcpServer.id, id));
      return viewOf(id);
    }
    const kept = listed.filter(
      (t) =>
        t.name.length >= 1 &&
        t.name.length <= fieldLimits.toolNameMaxChars &&
        Buffer.byteLength(JSON.stringify(t.inputSchema ?? {})) <= maxSchemaBytes,
    );
    // Tools the listing itself left out (a schema over 64 KiB, a bad name) count too.
    const left = listed.length - kept.length + ((listed as { dropped?: number }).dropped ?? 0);
    const byName = new Map(kept.map((t) => [t.name, t]));
    await db.transaction(async (tx) => {
      const names = [...byName.keys()];
      const definitions = new Map(
        [...byName.values()].map((t) => [
          t.name,
          {
            title: t.title ? t.title.slice(0, 200) : null,
            description: (t.description ?? "").slice(0, maxToolDescription),
            inputSchema: t.inputSchema ?? { type: "object" },
          },
        ]),
      );
      // A tool whose definition changed is another tool as far as the admin's offer and people's
      // "Always allow" go (a server swapping a tool's description or arguments): not offered until
      // an admin offers it again, and every thread asks before running it.
      const stored = await tx
        .select({
          name: mcpTool.name,
          title: mcpTool.title,
          description: mcpTool.description,
          inputSchema: mcpTool.inputSchema,
        })
        .from(mcpTool)
        .where(eq(mcpTool.serverId, id));
      const changedTools = stored
        .filter((t) => {
          const next = definitions.get(t.name);
          return next !== undefined && definitionKey(t) !== definitionKey(next);
        })
        .map((t) => t.name);
      const notes = [
        ...(left ? [`${left} tool${left === 1 ? " was" : "s were"} left out: a name or definition too large.`] : []),
        ...(changedTools.length
          ? [
              `${changedTools.length} tool${changedTools.length === 1 ? "'s definition" : "s' definitions"} changed: no longer offered until offered again.`,
            ]
          : []),
      ];
      // Only while the server still has the address and authentication its tools were listed from:
      // a change meanwhile (which removed the old tools) is not undone with the old server's tools.
      const [current] = await tx
        .update(mcpServer)
        .set({ status: "ok", statusMessage: notes.length ? oneLine(notes.join(" ")) : null, checkedAt: new Date() })
        .where(and(eq(mcpServer.id, id), eq(mcpServer.url, server.url), eq(mcpServer.auth, server.auth)))
        .returning({ id: mcpServer.id });
      if (!current)
        throw new ApiError("conflict", "The server's address changed while its tools were listed; refresh again.");
      await tx
        .delete(mcpTool)
        .where(and(eq(mcpTool.serverId, id), names.length ? sql`${mcpTool.name} not in ${names}` : undefined));
      for (const [name, definition] of definitions) {
        const values = { ...definition, listedAt: new Date() };
        const reoffer = changedTools.includes(name);
        await tx
          .insert(mcpTool)
          .values({ serverId: id, name, ...values })
          .onConflictDoUpdate({
            target: [mcpTool.serverId, mcpTool.name],
            set: reoffer ? { ...values, offered: false } : values,
          });
      }
      if (changedTools.length)
        await tx
          .update(threadTool)
          .set({ alwaysAllow: false })
          .where(and(eq(threadTool.serverId, id), inArray(threadTool.toolName, changedTools)));
    });
    return viewOf(id);
  }

  /** "Refresh tools": lists the server's tools again; the stored definitions are what the model sees. */
  async function refreshServerTools(adminId: string, id: string, origin?: Origin): Promise<ServerView> {
    const view = await refresh(adminId, id);
    await log.record({
      action: "mcp_server_updated",
      actor: await actor(adminId),
      detail: { serverId: id, server: view.name, changed: "tools_refreshed", tools: view.tools.length },
      ...origin,
    });
    return view;
  }

  /** Changes a server's settings and its tools' `offered` and `policy`; all or nothing. */
  async function updateServer(adminId: string, id: string, patch: ServerPatch, origin?: Origin): Promise<ServerView> {
    const [server] = await db.select().from(mcpServer).where(eq(mcpServer.id, id));
    if (!server) throw notFound("Server");
    const set: Partial<typeof mcpServer.$inferInsert> = {};
    const changed: string[] = [];
    const change = <K extends keyof typeof set>(key: K, value: (typeof set)[K], label: string = key) => {
      set[key] = value;
      changed.push(label);
    };
    if (patch.name !== undefined) change("name", checkName(patch.name));
    if (patch.description !== undefined) change("description", checkDescription(patch.description));
    if (patch.url !== undefined) {
      const url = checkUrl(patch.url.trim()).href;
      if (url !== server.url) {
        change("url", url);
        set.status = "unknown";
        set.statusMessage = "The address changed: refresh tools to list the new server's tools.";
        set.checkedAt = null;
      }
    }
    const auth = patch.auth ?? server.auth;
    if (!serverAuthModes.includes(auth)) throw bad("Unknown authentication.");
    if (patch.auth !== undefined && patch.auth !== server.auth) change("auth", patch.auth);
    if (set.url !== undefined || set.auth !== undefined) checkPerPersonUrl(set.url ?? server.url, auth);
    // A new address (or authentication) is another server as far as secrets go: nothing given for
    // the old one goes to it. People's credentials, sign-ins in progress, the shared token and the
    // OAuth client secret (unless new ones come with this change), the client registration and the
    // pinned authorization server go, and so do its tools and threads' switches until an admin
    // refreshes and offers them.
    const reset = set.url !== undefined || set.auth !== undefined;
    if (patch.sharedToken !== undefined)
      change("sharedToken", secretOrNull(patch.sharedToken, id, "sharedToken"), "sharedToken");
    else if (reset && server.sharedToken !== null) set.sharedToken = null;
    if (auth !== "shared" && (set.sharedToken ?? server.sharedToken) !== null) set.sharedToken = null;
    if (auth === "shared" && (set.sharedToken === undefined ? server.sharedToken : set.sharedToken) === null)
      throw bad(
        reset && server.sharedToken !== null
          ? "A new address or authentication needs the shared token again."
          : "A server with a shared token needs the token.",
      );
    if (patch.identityHeader !== undefined) change("identityHeader", checkHeader(patch.identityHeader));
    if (patch.oauthClientId !== undefined) change("oauthClientId", patch.oauthClientId?.trim() || null);
    if (patch.oauthClientSecret !== undefined)
      change("oauthClientSecret", secretOrNull(patch.oauthClientSecret, id, "oauthClientSecret"));
    // The operator's client secret, like the shared token, is not sent to a new address's sign-in.
    else if (reset && server.oauthClientSecret !== null) set.oauthClientSecret = null;
    // A dynamic registration belongs to the address and client it was made for.
    if (reset || set.oauthClientId !== undefined) set.oauthClientInfo = null;
    // The authorization server is pinned by the next sign-in after the admin saves the address
    // (changed or not: that is how an admin accepts a server's new one) or the OAuth client.
    const repin =
      reset || patch.url !== undefined || patch.oauthClientId !== undefined || patch.oauthClientSecret !== undefined;
    if (repin && server.oauthIssuer !== null) {
      set.oauthIssuer = null;
      set.oauthMetadata = null;
      if (!reset) changed.push("oauthIssuer");
    }
    const audience = patch.audience ?? server.audience;
    if (!serverAudiences.includes(audience)) throw bad("Unknown audience.");
    if (patch.audience !== undefined && patch.audience !== server.audience) change("audience", audience);
    if (patch.enabled !== undefined) change("enabled", patch.enabled);
    const workspaceIds =
      audience !== "workspaces"
        ? patch.audience !== undefined
          ? []
          : undefined
        : patch.workspaceIds !== undefined
          ? await checkWorkspaces(patch.workspaceIds)
          : undefined;
    if (workspaceIds !== undefined) changed.push("workspaceIds");
    const tools = patch.tools ?? [];
    if (tools.length > fieldLimits.toolsPerPatch) throw bad(`At most ${fieldLimits.toolsPerPatch} tools at once.`);
    for (const t of tools)
      if (t.policy !== undefined && !toolPolicies.includes(t.policy)) throw bad("Unknown tool policy.");
    if (tools.length) changed.push("tools");
    if (reset && tools.length) throw bad("Refresh the tools of the new address before offering them.");

    await db
      .transaction(async (tx) => {
        if (Object.keys(set).length) {
          const [row] = await tx.update(mcpServer).set(set).where(eq(mcpServer.id, id)).returning({ id: mcpServer.id });
          if (!row) throw notFound("Server");
        }
        if (workspaceIds !== undefined) {
          await tx.delete(mcpServerWorkspace).where(eq(mcpServerWorkspace.serverId, id));
          if (workspaceIds.length)
            await tx
              .insert(mcpServerWorkspace)
              .values(workspaceIds.map((workspaceId) => ({ serverId: id, workspaceId })));
        }
        if (reset) {
          await tx.delete(mcpCredential).where(eq(mcpCredential.serverId, id));
          await tx.delete(threadTool).where(eq(threadTool.serverId, id));
          await tx.delete(mcpTool).where(eq(mcpTool.serverId, id));
        }
        if (repin) await tx.delete(mcpOauthFlow).where(eq(mcpOauthFlow.serverId, id));
        for (const t of tools) {
          const toolSet: { offered?: boolean; policy?: ToolPolicy } = {};
          if (t.offered !== undefined) toolSet.offered = t.offered;
          if (t.policy !== undefined) toolSet.policy = t.policy;
          const where = and(eq(mcpTool.serverId, id), eq(mcpTool.name, t.name));
          const found = Object.keys(toolSet).length
            ? await tx.update(mcpTool).set(toolSet).where(where).returning({ name: mcpTool.name })
            : await tx.select({ name: mcpTool.name }).from(mcpTool).where(where);
          if (found.length === 0) throw bad(`This server has no tool named "${t.name.slice(0, 100)}".`);
        }
      })
      .catch((error: unknown) => {
        throw isUniqueViolation(error) ? duplicateName() : error;
      });
    const view = await viewOf(id);
    if (changed.length)
      await log.record({
        action: "mcp_server_updated",
        actor: await actor(adminId),
        detail: { serverId: id, server: view.name, changed: changed.join(",") },
        ...origin,
      });
    return view;
  }

  /** Removes a server with its tools, people's credentials and threads' choices (cascades). */
  async function deleteServer(adminId: string, id: string, origin?: Origin): Promise<true> {
    const [gone] = await db
      .delete(mcpServer)
      .where(eq(mcpServer.id, id))
      .returning({ name: mcpServer.name, auth: mcpServer.auth });
    if (!gone) throw notFound("Server");
    await log.record({
      action: "mcp_server_deleted",
      actor: await actor(adminId),
      detail: { serverId: id, server: gone.name, auth: gone.auth },
      ...origin,
    });
    return true;
  }

  // ---------------------------------------------------------------- person side

  /** After a write found nothing: "Thread not found." when the thread is not the caller's, else `what` not found. */
  async function missing(userId: string, threadId: string, what: string) {
    const [own] = await db
      .select({ id: thread.id })
      .from(thread)
      .where(and(eq(thread.id, threadId), eq(thread.userId, userId)));
    return own ? notFound(what) : notFound();
  }

  /** The tools the caller may use, by server, with this thread's choices; 404 unless the thread is theirs. */
  async function toolsForThread(userId: string, threadId: string): Promise<ThreadToolsJson["servers"]> {
    const rows = await queryRows<{
      id: string | null;
      name: string;
      description: string;
      status: ServerView["status"];
      auth: ServerView["auth"];
      needs_sign_in: boolean;
      tool: string;
      title: string | null;
      tool_description: string;
      policy: ToolPolicy;
      enabled: boolean | null;
      always_allow: boolean | null;
    }>(
      db,
      sql`
        select s.id, s.name, s.description, s.status, s.auth,
          (s.auth = 'per_person' and not exists (
            select 1 from ${mcpCredential} c where c.server_id = s.id and c.user_id = ${userId})) as needs_sign_in,
          tl.name as tool, tl.title, tl.description as tool_description, tl.policy, tt.enabled, tt.always_allow
        from ${thread} th
        left join (${mcpServer} s join ${mcpTool} tl on tl.server_id = s.id and ${usableTool})
          on ${usableServer(userId)}
        left join ${threadTool} tt on tt.thread_id = th.id and tt.server_id = s.id and tt.tool_name = tl.name
          and tt.user_id = ${userId}
        where th.id = ${threadId} and th.user_id = ${userId}
        order by s.name, tl.name`,
    );
    if (rows.length === 0) throw notFound();
    const servers: ThreadToolsJson["servers"] = [];
    for (const r of rows) {
      if (r.id === null) continue;
      let server = servers.at(-1);
      if (server?.id !== r.id) {
        server = {
          id: r.id,
          name: r.name,
          description: r.description,
          status: r.status,
          auth: r.auth,
          needsSignIn: r.needs_sign_in,
          tools: [],
        };
        servers.push(server);
      }
      server.tools.push({
        name: r.tool,
        title: r.title,
        description: r.tool_description,
        policy: r.policy,
        enabled: r.enabled ?? false,
        alwaysAllow: r.always_allow ?? false,
      });
    }
    return servers;
  }

  /** Switches a usable tool on or off in the caller's own thread (and "always allow"); 404 otherwise. */
  async function setThreadTool(
    userId: string,
    threadId: string,
    setting: ThreadToolSetting,
  ): Promise<{ name: string; enabled: boolean; alwaysAllow: boolean }> {
    const enabled = setting.enabled ?? null;
    const alwaysAllow = setting.alwaysAllow ?? null;
    const [row] = await queryRows<{ tool_name: string; enabled: boolean; always_allow: boolean }>(
      db,
      sql`
        insert into ${threadTool} (thread_id, server_id, tool_name, user_id, enabled, always_allow)
        select th.id, tl.server_id, tl.name, ${userId}, coalesce(${enabled}::boolean, false), coalesce(${alwaysAllow}::boolean, false)
        from ${thread} th, ${mcpTool} tl join ${mcpServer} s on s.id = tl.server_id
        where th.id = ${threadId} and th.user_id = ${userId}
          and tl.server_id = ${setting.serverId} and tl.name = ${setting.tool} and ${usableTool} and ${usableServer(userId)}
        on conflict (thread_id, server_id, tool_name) do update set
          enabled = coalesce(${enabled}::boolean, ${threadTool.enabled}),
          always_allow = coalesce(${alwaysAllow}::boolean, ${threadTool.alwaysAllow})
        returning tool_name, enabled, always_allow`,
    );
    if (!row) throw await missing(userId, threadId, "Tool");
    return { name: row.tool_name, enabled: row.enabled, alwaysAllow: row.always_allow };
  }

  /**
   * What the turn offers the model: the thread's enabled, usable tools with their stored schema,
   * and how to reach each server as this person (the shared token, or their own credential: the
   * credential join names the caller, so nobody else's is ever read). A tool of a per-person server
   * the person has not connected is left out. Empty when the thread is not theirs.
   */
  async function toolsForTurn(userId: string, threadId: string): Promise<TurnTool[]> {
    const rows = await queryRows<{
      server_id: string;
      tool: string;
      title: string | null;
      description: string;
      input_schema: Record<string, unknown>;
      policy: "ask" | "allow";
      always_allow: boolean;
      cred_kind: string | null;
      cred_secret: string | null;
    }>(
      db,
      sql`
        select s.id as server_id, tl.name as tool, tl.title, tl.description, tl.input_schema, tl.policy, tt.always_allow,
          c.kind as cred_kind, c.secret as cred_secret
        from ${threadTool} tt
        join ${thread} th on th.id = tt.thread_id and th.user_id = ${userId}
        join ${mcpServer} s on s.id = tt.server_id
        join ${mcpTool} tl on tl.server_id = tt.server_id and tl.name = tt.tool_name
        left join ${mcpCredential} c on c.server_id = s.id and c.user_id = ${userId} and s.auth = 'per_person'
        where tt.thread_id = ${threadId} and tt.user_id = ${userId} and tt.enabled
          and ${usableTool} and ${usableServer(userId)}
        order by s.name, tl.name
        limit ${toolLimits().maxToolsPerTurn * 2}`,
    );
    if (rows.length === 0) return [];
    const servers = await db
      .select()
      .from(mcpServer)
      .where(inArray(mcpServer.id, [...new Set(rows.map((r) => r.server_id))]));
    const access = new Map<string, ServerAccess | null>();
    for (const server of servers) {
      const r = rows.find((row) => row.server_id === server.id)!;
      access.set(
        server.id,
        await accessFor(userId, server, r.cred_kind ? { kind: r.cred_kind, secret: r.cred_secret! } : null),
      );
    }
    return rows.flatMap((r): TurnTool[] => {
      const server = servers.find((s) => s.id === r.server_id);
      const reach = access.get(r.server_id);
      if (!server || !reach) return [];
      return [
        {
          serverId: r.server_id,
          server: server.name,
          tool: r.tool,
          title: r.title,
          description: r.description,
          inputSchema: r.input_schema,
          policy: r.policy,
          alwaysAllow: r.always_allow,
          access: reach,
        },
      ];
    });
  }

  /** The usable per-person servers, and whether the caller connected their own account to each. */
  /** Whether the person may use any tool at all: without one, the chat offers no Tools menu. */
  async function hasToolsForUser(userId: string): Promise<boolean> {
    const rows = await queryRows<{ any: boolean }>(
      db,
      sql`
        select exists (
          select 1 from ${mcpServer} s join ${mcpTool} tl on tl.server_id = s.id and ${usableTool}
          where ${usableServer(userId)}) as any`,
    );
    return rows[0]?.any === true;
  }

  async function connectionsForUser(userId: string): Promise<ToolConnectionsJson["servers"]> {
    const rows = await queryRows<{
      id: string;
      name: string;
      description: string;
      url: string;
      kind: "token" | "oauth" | null;
    }>(
      db,
      sql`
        select s.id, s.name, s.description, s.url, c.kind
        from ${mcpServer} s left join ${mcpCredential} c on c.server_id = s.id and c.user_id = ${userId}
        where s.auth = 'per_person' and ${usableServer(userId)}
        order by s.name`,
    );
    // Every per-person server may be signed in to with OAuth (discovery happens on the first sign-in);
    // pasting a token works for all of them.
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      description: r.description,
      host: new URL(r.url).host,
      connected: r.kind !== null,
      method: r.kind,
      oauth: true,
    }));
  }

  /** A usable per-person server, read in one statement with the rule; 404 otherwise. */
  async function perPersonServer(userId: string, serverId: string): Promise<ServerRow> {
    const [row] = await db
      .select()
      .from(mcpServer)
      .where(
        and(eq(mcpServer.id, serverId), eq(mcpServer.auth, "per_person"), usableServer(userId, sql`${mcpServer}`)),
      );
    if (!row) throw notFound("Server");
    return row;
  }

  /** Saves the caller's own access token for a usable per-person server (encrypted). */
  async function saveTokenForUser(
    userId: string,
    serverId: string,
    token: string,
    origin?: Origin,
  ): Promise<{ connected: true }> {
    if (token.length < 1 || token.length > fieldLimits.tokenMaxChars)
      throw bad(`An access token has 1 to ${fieldLimits.tokenMaxChars} characters.`);
    const secret = encryptSecret(
      JSON.stringify({ accessToken: token } satisfies StoredToken),
      credentialContext(userId, serverId),
    );
    const [row] = await queryRows<{ name: string }>(
      db,
      sql`
        with server as (
          select s.id, s.name from ${mcpServer} s
          where s.id = ${serverId} and s.auth = 'per_person' and ${usableServer(userId)}),
        saved as (
          insert into ${mcpCredential} (user_id, server_id, kind, secret)
          select ${userId}, id, 'token', ${secret} from server
          on conflict (user_id, server_id) do update set kind = 'token', secret = excluded.secret, updated_at = now()
          returning server_id)
        select s.name from server s join saved on saved.server_id = s.id`,
    );
    if (!row) throw notFound("Server");
    await log.record({
      action: "tool_connection_added",
      actor: await actor(userId),
      detail: { serverId, server: row.name, method: "token" },
      ...origin,
    });
    return { connected: true };
  }

  /** Removes the caller's own credential for a server (whether or not they may still use it); 404 when none. */
  async function deleteConnectionForUser(userId: string, serverId: string, origin?: Origin): Promise<true> {
    const [row] = await queryRows<{ name: string; kind: string }>(
      db,
      sql`
        with gone as (
          delete from ${mcpCredential} where user_id = ${userId} and server_id = ${serverId} returning server_id, kind)
        select s.name, gone.kind from gone join ${mcpServer} s on s.id = gone.server_id`,
    );
    if (!row) throw notFound("Connection");
    await log.record({
      action: "tool_connection_removed",
      actor: await actor(userId),
      detail: { serverId, server: row.name, method: row.kind },
      ...origin,
    });
    return true;
  }

  /** Pins the authorization server a server's first sign-in found (of two at once, the first stored wins). */
  async function pinAuthorizationServer(server: ServerRow, metadata: OAuthMetadata): Promise<OAuthMetadata> {
    await db
      .update(mcpServer)
      .set({ oauthIssuer: metadata.issuer, oauthMetadata: metadata })
      .where(and(eq(mcpServer.id, server.id), eq(mcpServer.url, server.url), sql`${mcpServer.oauthIssuer} is null`));
    const [now] = await db
      .select({ url: mcpServer.url, metadata: mcpServer.oauthMetadata })
      .from(mcpServer)
      .where(eq(mcpServer.id, server.id));
    if (!now?.metadata || now.url !== server.url)
      throw new OAuthFlowError("the server's settings changed meanwhile; try again.");
    return now.metadata;
  }

  /**
   * Stores a client registered just now, unless another sign-in stored one first (the box read with
   * the server is the one replaced, or none); answers the registration in effect.
   */
  async function saveClientInfo(server: ServerRow, clientInfo: string): Promise<string | null> {
    const box = encryptSecret(clientInfo, serverSecretContext(server.id, "oauthClientInfo"));
    const [won] = await db
      .update(mcpServer)
      .set({ oauthClientInfo: box })
      .where(
        and(
          eq(mcpServer.id, server.id),
          eq(mcpServer.url, server.url),
          server.oauthClientInfo === null
            ? sql`${mcpServer.oauthClientInfo} is null`
            : eq(mcpServer.oauthClientInfo, server.oauthClientInfo),
        ),
      )
      .returning({ id: mcpServer.id });
    if (won) return clientInfo;
    const [now] = await db.select().from(mcpServer).where(eq(mcpServer.id, server.id));
    if (!now || now.url !== server.url) return null;
    return serverSecret(now, "oauthClientInfo", now.oauthClientInfo);
  }

  /**
   * Starts the caller's OAuth sign-in to a usable per-person server: the flow (state, encrypted
   * PKCE verifier, and the endpoints, redirect URI and client it started with) is kept ten minutes
   * for the callback. The first sign-in pins the server's authorization server. The redirect URI is
   * the app's configured address (BETTER_AUTH_URL), never one a request names, so `appOrigin` is
   * not used. A sign-in that cannot start is a 400 saying why; a person starts at most five a
   * minute, and only their five newest stay open.
   */
  async function startOAuthForUser(
    userId: string,
    serverId: string,
    appOrigin?: string,
  ): Promise<{ authorizationUrl: string }> {
    void appOrigin;
    const server = await perPersonServer(userId, serverId);
    // Counted before anything is sent, whatever happens next (a start that fails or hangs counts
    // too), in one statement, so starts at once on any number of instances cannot all slip under it.
    const [attempt] = await queryRows<{ count: number }>(
      db,
      sql`
        insert into ${chatUsage} (user_id, "window", window_start, count)
        values (${userId}, 'oauth_minute', date_trunc('minute', now()), 1)
        on conflict (user_id, "window") do update set
          count = case when ${chatUsage.windowStart} = excluded.window_start then ${chatUsage.count} + 1 else 1 end,
          window_start = excluded.window_start
        returning count`,
    );
    if ((attempt?.count ?? 0) > maxStartsPerMinute)
      throw new ApiError("rate_limited", "Too many sign-ins started in the last minute; wait a moment and try again.");
    let started: Awaited<ReturnType<typeof startOAuth>>;
    try {
      started = await oauth.start(await oauthServerOf(server), userId, {
        pin: (metadata) => pinAuthorizationServer(server, metadata),
        saveClientInfo: (clientInfo) => saveClientInfo(server, clientInfo),
      });
    } catch (error) {
      if (error instanceof OAuthFlowError) throw bad(`Signing in to ${server.name} could not start: ${error.message}`);
      throw error;
    }
    const verifier = encryptSecret(started.codeVerifier, flowContext(started.state, userId));
    const kept = await db.transaction(async (tx) => {
      await tx
        .delete(mcpOauthFlow)
        .where(sql`${mcpOauthFlow.createdAt} < now() - make_interval(mins => ${flowMinutes})`);
      // Only while the server still has the address this sign-in discovered.
      const rows = await queryRows<{ state: string }>(
        tx,
        sql`
          insert into ${mcpOauthFlow} (state, user_id, server_id, code_verifier, metadata)
          select ${started.state}, ${userId}, s.id, ${verifier}, ${JSON.stringify(started.flow)}::jsonb
          from ${mcpServer} s where s.id = ${server.id} and s.url = ${server.url}
          returning state`,
      );
      await tx.execute(sql`
        delete from ${mcpOauthFlow} where user_id = ${userId} and state not in (
          select state from ${mcpOauthFlow} where user_id = ${userId}
          order by created_at desc, state limit ${maxOpenFlows})`);
      return rows.length > 0;
    });
    if (!kept) throw bad(`Signing in to ${server.name} could not start: the server's settings changed meanwhile.`);
    return { authorizationUrl: started.authorizationUrl };
  }

  /**
   * Ends an OAuth sign-in: the flow must be the caller's, under ten minutes old, and is used up
   * here whatever happens next. The code goes to the token endpoint the flow started with (nothing
   * is discovered again); the tokens are stored encrypted as the caller's credential, bound to that
   * authorization server, if the server still has the address and authorization server it had.
   * The callback must name the flow's server (its redirect URI is per server) and, when it carries
   * an `iss` (RFC 9207), the flow's authorization server: a code from another server's
   * authorization server (a mix-up) is refused before it goes anywhere, and the flow is used up.
   */
  async function finishOAuthForUser(
    userId: string,
    response: { state: string; code: string; server: string | null; iss?: string | null },
    origin?: Origin,
  ): Promise<{ serverId: string }> {
    const { state, code } = response;
    const [flow] = await queryRows<{ server_id: string; code_verifier: string; metadata: OAuthFlow; fresh: boolean }>(
      db,
      sql`
        delete from ${mcpOauthFlow} where state = ${state} and user_id = ${userId}
        returning server_id, code_verifier, metadata,
          created_at > now() - make_interval(mins => ${flowMinutes}) as fresh`,
    );
    if (!flow || !flow.fresh) throw notFound("Sign-in");
    const flowServer = URL.canParse(flow.metadata.redirectUri)
      ? new URL(flow.metadata.redirectUri).searchParams.get(callbackServerParam)
      : null;
    if (response.server !== flow.server_id || flowServer !== flow.server_id)
      throw new OAuthFlowError("the sign-in came back for another server than it started with; sign in again.");
    if (response.iss !== undefined && response.iss !== null && !sameIssuer(response.iss, flow.metadata.metadata.issuer))
      throw new OAuthFlowError("the sign-in came back from another authorization server than it started with.");
    const server = await perPersonServer(userId, flow.server_id);
    const verifier = tryDecrypt(flow.code_verifier, flowContext(state, userId));
    if (!verifier) throw notFound("Sign-in");
    const tokens = await oauth.finish(await oauthServerOf(server), code, verifier.plain, flow.metadata);
    const saved = await saveSignIn(userId, server, {
      accessToken: tokens.accessToken,
      ...(tokens.refreshToken && { refreshToken: tokens.refreshToken }),
      ...(tokens.expiresAt && { expiresAt: tokens.expiresAt }),
      issuer: flow.metadata.metadata.issuer,
    });
    if (!saved) throw new OAuthFlowError("the server's settings changed during the sign-in; sign in again.");
    await log.record({
      action: "tool_connection_added",
      actor: await actor(userId),
      detail: { serverId: server.id, server: server.name, method: "oauth" },
      ...origin,
    });
    return { serverId: server.id };
  }

  /** The caller's answer to a call of theirs waiting in their own thread; 404 when there is none. */
  async function decideToolCallForUser(
    userId: string,
    threadId: string,
    toolCallId: string,
    decision: ToolDecision,
    alwaysAllow: boolean,
  ): Promise<{ decision: ToolDecision }> {
    if (!(await approvals.decideForUser(userId, threadId, toolCallId, decision, alwaysAllow)))
      throw await missing(userId, threadId, "Tool call");
    return { decision };
  }

  return {
    listServers,
    createServer,
    updateServer,
    deleteServer,
    refreshServerTools,
    toolsForThread,
    setThreadTool,
    toolsForTurn,
    hasToolsForUser,
    connectionsForUser,
    saveTokenForUser,
    deleteConnectionForUser,
    startOAuthForUser,
    finishOAuthForUser,
    decideToolCallForUser,
  };
}

export const toolCatalog = createToolCatalog();
export type ToolCatalog = ReturnType<typeof createToolCatalog>;
