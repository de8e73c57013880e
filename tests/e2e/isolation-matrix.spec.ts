import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { apiAdmin, apiUser, chatBody } from "./helpers";
import { snapshotAdminState, snapshotUsers, withDb } from "./db";
import { declaredAccess } from "../support/route-access";
import { createWorkspace } from "./workspaces";
import { expectShareHeaders, randomToken, share, threadWithReply, tokenOf } from "./share-links";
import { exportJson, simpleChatGpt } from "../support/export-fixtures";

/**
 * Every API route and method, called by every kind of caller: anonymous, a banned account, an
 * account waiting for approval, another user, an admin, and the owner of what it names.
 * - thread: the owner's thread; everyone else gets the same 404 as for a missing thread (admins too).
 * - attachment: the owner's upload; likewise 404 to everyone else, as for a missing one.
 * - collection: the caller's own threads (and workspaces); never a row of the owner's.
 * - workspace: a workspace the owner is in (with a co-owner, the target, and a pending invitation);
 *   everyone else gets the same 404 "Workspace not found." as for a missing one (admins too).
 * - workspace invitation: an invitation to the owner's address (made by the target); anyone else
 *   who holds the link is refused with 403 `forbidden` (admins too), and it stays pending.
 * - admin: admins only; a user is refused with 403 `forbidden`.
 * - public: the same answer for every caller, signed in or not (health checks; metrics need their own token).
 * - share link: the owner's share link, by its id; everyone else gets the same 404 "Link not found." (admins too).
 * - tool connection: the owner's own credential for an MCP server; everyone else has none there, so 404 (admins too).
 * - project: the owner's personal project, with an indexed file and its first passage; everyone else gets
 *   the same 404 "Project not found." as for a missing one (admins too), for the project, its files and passages.
 * - share page: a share link's page and files (/s/…), which decide who may see them: for the owner's
 *   `signed-in` link, every approved, signed-in person sees the snapshot; anyone else gets the same 404
 *   as for an unknown link. share continue: the same, for the signed-in alone (a 401/403 for the rest).
 * Who may call a method is read from its route file (`route({ auth })`), and the checks follow it:
 * the matrix only says what each route names, and lists the routes that may be public.
 */
type Scope =
  | "thread"
  | "attachment"
  | "collection"
  | "workspace"
  | "workspace invitation"
  | "admin"
  | "public"
  | "share link"
  | "share page"
  | "share continue"
  | "tool connection"
  | "project";
type Access = "public" | "user" | "admin";
/** The access a route of each scope must declare: anything else fails the first test. */
const accessOf: Record<Scope, Access> = {
  thread: "user",
  attachment: "user",
  collection: "user",
  workspace: "user",
  "workspace invitation": "user",
  admin: "admin",
  public: "public",
  "share link": "user",
  "share page": "public",
  "share continue": "user",
  "tool connection": "user",
  project: "user",
};
type Names = {
  thread: string;
  user: string;
  invitation: string;
  attachment: string;
  workspace: string;
  member: string;
  workspaceInvitation: string;
  /** The owner's share link (its id and token), or names of none when the call does not need one. */
  link: string;
  token: string;
  shareFile: string;
  /** An MCP server (per person, for everyone) and one of its tools, offered; a call of the owner's waiting for an answer. */
  server: string;
  tool: string;
  toolCall: string;
  /** The owner's personal project, one indexed file of it and a passage of that file (or names of none). */
  project: string;
  projectFile: string;
  passage: number;
};
type Call = {
  file: string;
  method: string;
  path: (n: Names) => string;
  data?: (n: Names) => unknown;
  multipart?: () => Record<string, { name: string; mimeType: string; buffer: Buffer }>;
  scope: Scope;
  /** What the target account or invitation must be before an admin acts on it; or the owner's thread, in a workspace of theirs. */
  needs?:
    | "pending target"
    | "banned target"
    | "invitation"
    | "workspace thread"
    | "link"
    | "mcp server"
    | "mcp tool"
    | "tool call"
    | "tool connection"
    | "oauth server"
    | "project";
  /** What the 404 says to everyone but the owner, when not the scope's (a thread's link: "Link not found."). */
  missing?: string;
  /** For public routes: the status every caller gets. */
  status?: number;
};

let slugs = 0;
const matrixSlug = () => `matrix-${process.pid}-${Date.now().toString(36)}-${slugs++}`.slice(0, 40);

const appendEntry = {
  id: "m-matrix",
  parentId: null,
  format: "ai-sdk/v6",
  content: { role: "user", parts: [{ type: "text", text: "x" }] },
};

/** A route file with a handler missing here, or one that declares other access than its scope's, fails the first test. */
const calls: Call[] = [
  { file: "threads/route.ts", method: "GET", path: () => "/api/threads", scope: "collection" },
  { file: "threads/route.ts", method: "POST", path: () => "/api/threads", data: () => ({}), scope: "collection" },
  { file: "threads/[id]/route.ts", method: "GET", path: (n) => `/api/threads/${n.thread}`, scope: "thread" },
  {
    file: "threads/[id]/route.ts",
    method: "PATCH",
    path: (n) => `/api/threads/${n.thread}`,
    data: () => ({ title: "changed" }),
    scope: "thread",
  },
  { file: "threads/[id]/route.ts", method: "DELETE", path: (n) => `/api/threads/${n.thread}`, scope: "thread" },
  {
    file: "threads/[id]/messages/route.ts",
    method: "GET",
    path: (n) => `/api/threads/${n.thread}/messages`,
    scope: "thread",
  },
  {
    file: "threads/[id]/messages/route.ts",
    method: "POST",
    path: (n) => `/api/threads/${n.thread}/messages`,
    data: () => appendEntry,
    scope: "thread",
  },
  {
    file: "threads/[id]/title/route.ts",
    method: "POST",
    path: (n) => `/api/threads/${n.thread}/title`,
    scope: "thread",
  },
  {
    file: "threads/[id]/export/route.ts",
    method: "GET",
    path: (n) => `/api/threads/${n.thread}/export?format=json`,
    scope: "thread",
  },
  {
    file: "threads/[id]/stream/route.ts",
    method: "GET",
    path: (n) => `/api/threads/${n.thread}/stream`,
    scope: "thread",
  },
  { file: "threads/[id]/stop/route.ts", method: "POST", path: (n) => `/api/threads/${n.thread}/stop`, scope: "thread" },
  // Only a workspace thread can be shared: the owner's is put in a workspace of theirs (nobody else a member).
  {
    file: "threads/[id]/share/route.ts",
    method: "PUT",
    path: (n) => `/api/threads/${n.thread}/share`,
    scope: "thread",
    needs: "workspace thread",
  },
  {
    file: "threads/[id]/share/route.ts",
    method: "DELETE",
    path: (n) => `/api/threads/${n.thread}/share`,
    scope: "thread",
    needs: "workspace thread",
  },
  { file: "threads/[id]/copy/route.ts", method: "POST", path: (n) => `/api/threads/${n.thread}/copy`, scope: "thread" },
  // Share links: the owner's thread with a `signed-in` link to a snapshot of it (needs: "link").
  {
    file: "threads/[id]/link/route.ts",
    method: "GET",
    path: (n) => `/api/threads/${n.thread}/link`,
    scope: "thread",
    needs: "link",
  },
  {
    file: "threads/[id]/link/route.ts",
    method: "PUT",
    path: (n) => `/api/threads/${n.thread}/link`,
    data: () => ({ audience: "signed-in" }),
    scope: "thread",
  },
  {
    file: "threads/[id]/link/route.ts",
    method: "PATCH",
    path: (n) => `/api/threads/${n.thread}/link`,
    data: () => ({ audience: "signed-in" }),
    scope: "thread",
    needs: "link",
    missing: "Link not found.",
  },
  {
    file: "threads/[id]/link/route.ts",
    method: "DELETE",
    path: (n) => `/api/threads/${n.thread}/link`,
    scope: "thread",
    needs: "link",
    missing: "Link not found.",
  },
  { file: "share-links/route.ts", method: "GET", path: () => "/api/share-links", scope: "collection", needs: "link" },
  {
    file: "share-links/[id]/route.ts",
    method: "DELETE",
    path: (n) => `/api/share-links/${n.link}`,
    scope: "share link",
    needs: "link",
  },
  { file: "s/[token]/page.tsx", method: "GET", path: (n) => `/s/${n.token}`, scope: "share page", needs: "link" },
  {
    file: "s/[token]/files/[fileId]/route.ts",
    method: "GET",
    path: (n) => `/s/${n.token}/files/${n.shareFile}`,
    scope: "share page",
    needs: "link",
  },
  {
    file: "s/[token]/continue/route.ts",
    method: "POST",
    path: (n) => `/s/${n.token}/continue`,
    scope: "share continue",
    needs: "link",
  },
  { file: "threads/shared/route.ts", method: "GET", path: () => "/api/threads/shared", scope: "collection" },
  { file: "export/route.ts", method: "GET", path: () => "/api/export", scope: "collection" },
  { file: "search/route.ts", method: "GET", path: () => "/api/search?q=seed", scope: "collection" },
  {
    file: "attachments/route.ts",
    method: "POST",
    path: () => "/api/attachments",
    multipart: () => ({ file: { name: "matrix.txt", mimeType: "text/plain", buffer: Buffer.from("matrix upload") } }),
    scope: "collection",
  },
  {
    file: "attachments/[id]/route.ts",
    method: "GET",
    path: (n) => `/api/attachments/${n.attachment}`,
    scope: "attachment",
  },
  {
    file: "attachments/[id]/route.ts",
    method: "DELETE",
    path: (n) => `/api/attachments/${n.attachment}`,
    scope: "attachment",
  },
  {
    file: "chat/route.ts",
    method: "POST",
    path: () => "/api/chat",
    data: (n) => chatBody(n.thread, "matrix"),
    scope: "thread",
  },
  { file: "workspaces/route.ts", method: "GET", path: () => "/api/workspaces", scope: "collection" },
  {
    file: "workspaces/route.ts",
    method: "POST",
    path: () => "/api/workspaces",
    data: () => ({ name: "Matrix", slug: matrixSlug() }),
    scope: "collection",
  },
  {
    file: "workspaces/active/route.ts",
    method: "PUT",
    path: () => "/api/workspaces/active",
    data: (n) => ({ workspaceId: n.workspace }),
    scope: "workspace",
  },
  {
    file: "workspaces/[id]/route.ts",
    method: "GET",
    path: (n) => `/api/workspaces/${n.workspace}`,
    scope: "workspace",
  },
  {
    file: "workspaces/[id]/route.ts",
    method: "PATCH",
    path: (n) => `/api/workspaces/${n.workspace}`,
    data: () => ({ name: "Renamed by the matrix" }),
    scope: "workspace",
  },
  {
    file: "workspaces/[id]/route.ts",
    method: "DELETE",
    path: (n) => `/api/workspaces/${n.workspace}`,
    scope: "workspace",
  },
  {
    file: "workspaces/[id]/invitations/route.ts",
    method: "POST",
    path: (n) => `/api/workspaces/${n.workspace}/invitations`,
    data: () => ({ email: `matrix-${process.pid}-${slugs++}@example.com`, role: "owner" }),
    scope: "workspace",
  },
  {
    file: "workspaces/[id]/invitations/[invitationId]/route.ts",
    method: "DELETE",
    path: (n) => `/api/workspaces/${n.workspace}/invitations/${n.workspaceInvitation}`,
    scope: "workspace",
  },
  {
    file: "workspaces/[id]/members/[memberId]/route.ts",
    method: "PATCH",
    path: (n) => `/api/workspaces/${n.workspace}/members/${n.member}`,
    data: () => ({ role: "admin" }),
    scope: "workspace",
  },
  {
    file: "workspaces/[id]/members/[memberId]/route.ts",
    method: "DELETE",
    path: (n) => `/api/workspaces/${n.workspace}/members/${n.member}`,
    scope: "workspace",
  },
  {
    file: "workspaces/[id]/leave/route.ts",
    method: "POST",
    path: (n) => `/api/workspaces/${n.workspace}/leave`,
    scope: "workspace",
  },
  {
    file: "invitations/[id]/accept/route.ts",
    method: "POST",
    path: (n) => `/api/invitations/${n.workspaceInvitation}/accept`,
    scope: "workspace invitation",
  },
  { file: "admin/users/route.ts", method: "GET", path: () => "/api/admin/users?q=matrix", scope: "admin" },
  { file: "admin/users/[id]/route.ts", method: "GET", path: (n) => `/api/admin/users/${n.user}`, scope: "admin" },
  {
    file: "admin/users/[id]/route.ts",
    method: "PATCH",
    path: (n) => `/api/admin/users/${n.user}`,
    data: () => ({ tokenQuota: 1234 }),
    scope: "admin",
  },
  { file: "admin/users/[id]/route.ts", method: "DELETE", path: (n) => `/api/admin/users/${n.user}`, scope: "admin" },
  {
    file: "admin/users/[id]/approve/route.ts",
    method: "POST",
    path: (n) => `/api/admin/users/${n.user}/approve`,
    scope: "admin",
    needs: "pending target",
  },
  {
    file: "admin/users/[id]/ban/route.ts",
    method: "POST",
    path: (n) => `/api/admin/users/${n.user}/ban`,
    data: () => ({ reason: "matrix" }),
    scope: "admin",
  },
  {
    file: "admin/users/[id]/ban/route.ts",
    method: "DELETE",
    path: (n) => `/api/admin/users/${n.user}/ban`,
    scope: "admin",
    needs: "banned target",
  },
  {
    file: "admin/users/[id]/sessions/route.ts",
    method: "DELETE",
    path: (n) => `/api/admin/users/${n.user}/sessions`,
    scope: "admin",
  },
  {
    file: "admin/users/[id]/two-factor/route.ts",
    method: "DELETE",
    path: (n) => `/api/admin/users/${n.user}/two-factor`,
    scope: "admin",
  },
  {
    file: "admin/users/[id]/password-reset/route.ts",
    method: "POST",
    path: (n) => `/api/admin/users/${n.user}/password-reset`,
    scope: "admin",
  },
  { file: "admin/signup-policy/route.ts", method: "GET", path: () => "/api/admin/signup-policy", scope: "admin" },
  // Reset to SIGNUP_MODE: the other tests on this server go on signing up as before.
  {
    file: "admin/signup-policy/route.ts",
    method: "PUT",
    path: () => "/api/admin/signup-policy",
    data: () => ({ mode: null }),
    scope: "admin",
  },
  { file: "admin/invitations/route.ts", method: "GET", path: () => "/api/admin/invitations", scope: "admin" },
  {
    file: "admin/invitations/route.ts",
    method: "POST",
    path: () => "/api/admin/invitations",
    data: () => ({ maxUses: 1, expiresInDays: 1 }),
    scope: "admin",
  },
  {
    file: "admin/invitations/[id]/route.ts",
    method: "DELETE",
    path: (n) => `/api/admin/invitations/${n.invitation}`,
    scope: "admin",
    needs: "invitation",
  },
  { file: "admin/audit/route.ts", method: "GET", path: () => "/api/admin/audit?action=sign_up", scope: "admin" },
  { file: "admin/workspaces/route.ts", method: "GET", path: () => "/api/admin/workspaces", scope: "admin" },
  // The link a report names, found by its token: never its title, messages or thread.
  {
    file: "admin/share-links/route.ts",
    method: "GET",
    path: (n) => `/api/admin/share-links?link=${encodeURIComponent(`/s/${n.token}`)}`,
    scope: "admin",
    needs: "link",
  },
  {
    file: "admin/share-links/[id]/route.ts",
    method: "DELETE",
    path: (n) => `/api/admin/share-links/${n.link}`,
    scope: "admin",
    needs: "link",
  },
  {
    file: "admin/share-link-policy/route.ts",
    method: "GET",
    path: () => "/api/admin/share-link-policy",
    scope: "admin",
  },
  // Reset to SHARE_LINKS: the other tests on this server go on sharing as before.
  {
    file: "admin/share-link-policy/route.ts",
    method: "PUT",
    path: () => "/api/admin/share-link-policy",
    data: () => ({ mode: null }),
    scope: "admin",
  },
  {
    file: "admin/workspace-creation/route.ts",
    method: "GET",
    path: () => "/api/admin/workspace-creation",
    scope: "admin",
  },
  // Reset to WORKSPACE_CREATION: the other tests on this server go on creating workspaces as before.
  {
    file: "admin/workspace-creation/route.ts",
    method: "PUT",
    path: () => "/api/admin/workspace-creation",
    data: () => ({ mode: null }),
    scope: "admin",
  },
  {
    file: "workspaces/[id]/usage/route.ts",
    method: "GET",
    path: (n) => `/api/workspaces/${n.workspace}/usage`,
    scope: "workspace",
  },
  {
    file: "workspaces/[id]/audit/route.ts",
    method: "GET",
    path: (n) => `/api/workspaces/${n.workspace}/audit`,
    scope: "workspace",
  },
  // Tools (MCP): a test-made per-person server for everyone (needs: "mcp server"), with an offered tool ("mcp tool").
  { file: "admin/mcp-servers/route.ts", method: "GET", path: () => "/api/admin/mcp-servers", scope: "admin" },
  // A name that resolves nowhere: saved, failing (the server is contacted once, and cannot be).
  {
    file: "admin/mcp-servers/route.ts",
    method: "POST",
    path: () => "/api/admin/mcp-servers",
    data: () => ({ name: `${matrixServerPrefix} ${slugs++}`, url: "https://mcp-matrix.invalid/mcp", auth: "none" }),
    scope: "admin",
  },
  {
    file: "admin/mcp-servers/[id]/route.ts",
    method: "PATCH",
    path: (n) => `/api/admin/mcp-servers/${n.server}`,
    data: () => ({ description: "changed by the matrix" }),
    scope: "admin",
    needs: "mcp server",
  },
  {
    file: "admin/mcp-servers/[id]/route.ts",
    method: "DELETE",
    path: (n) => `/api/admin/mcp-servers/${n.server}`,
    scope: "admin",
    needs: "mcp server",
  },
  {
    file: "admin/mcp-servers/[id]/refresh/route.ts",
    method: "POST",
    path: (n) => `/api/admin/mcp-servers/${n.server}/refresh`,
    scope: "admin",
    needs: "mcp server",
  },
  {
    file: "threads/[id]/tools/route.ts",
    method: "GET",
    path: (n) => `/api/threads/${n.thread}/tools`,
    scope: "thread",
    needs: "mcp tool",
  },
  {
    file: "threads/[id]/tools/route.ts",
    method: "PUT",
    path: (n) => `/api/threads/${n.thread}/tools`,
    data: (n) => ({ serverId: n.server, tool: n.tool, enabled: true }),
    scope: "thread",
    needs: "mcp tool",
  },
  {
    file: "threads/[id]/tool-calls/[toolCallId]/route.ts",
    method: "POST",
    path: (n) => `/api/threads/${n.thread}/tool-calls/${n.toolCall}`,
    data: () => ({ decision: "deny" }),
    scope: "thread",
    needs: "tool call",
  },
  {
    file: "tool-connections/route.ts",
    method: "GET",
    path: () => "/api/tool-connections",
    scope: "collection",
    needs: "mcp server",
  },
  // Everyone saves their own token (a row of their own); the owner's is never touched.
  {
    file: "tool-connections/[serverId]/route.ts",
    method: "PUT",
    path: (n) => `/api/tool-connections/${n.server}`,
    data: () => ({ token: "matrix-token" }),
    scope: "collection",
    needs: "mcp server",
  },
  {
    file: "tool-connections/[serverId]/route.ts",
    method: "DELETE",
    path: (n) => `/api/tool-connections/${n.server}`,
    scope: "tool connection",
    needs: "tool connection",
    missing: "Connection not found.",
  },
  {
    file: "tool-connections/[serverId]/oauth/route.ts",
    method: "POST",
    path: (n) => `/api/tool-connections/${n.server}/oauth`,
    scope: "collection",
    needs: "oauth server",
  },
  // A flow nobody started: every signed-in caller is sent back to /account (followed here: 200), the owner's rows untouched.
  {
    file: "tool-connections/oauth/callback/route.ts",
    method: "GET",
    path: () => `/api/tool-connections/oauth/callback?code=matrix&state=${"A".repeat(43)}`,
    scope: "collection",
  },
  // Projects: the owner's personal project with an indexed file (needs: "project"); its name, instructions
  // and file hold the owner's secret, so a list or answer that showed them to anyone else would fail.
  { file: "projects/route.ts", method: "GET", path: () => "/api/projects", scope: "collection", needs: "project" },
  {
    file: "projects/route.ts",
    method: "POST",
    path: () => "/api/projects",
    data: () => ({ name: "Matrix project", instructions: "Answer briefly." }),
    scope: "collection",
  },
  {
    file: "projects/[id]/route.ts",
    method: "GET",
    path: (n) => `/api/projects/${n.project}`,
    scope: "project",
    needs: "project",
  },
  {
    file: "projects/[id]/route.ts",
    method: "PATCH",
    path: (n) => `/api/projects/${n.project}`,
    data: () => ({ name: "Renamed by the matrix", instructions: "Changed by the matrix." }),
    scope: "project",
    needs: "project",
  },
  {
    file: "projects/[id]/route.ts",
    method: "DELETE",
    path: (n) => `/api/projects/${n.project}`,
    scope: "project",
    needs: "project",
  },
  {
    file: "projects/[id]/files/route.ts",
    method: "GET",
    path: (n) => `/api/projects/${n.project}/files`,
    scope: "project",
    needs: "project",
  },
  {
    file: "projects/[id]/files/route.ts",
    method: "POST",
    path: (n) => `/api/projects/${n.project}/files`,
    multipart: () => ({ file: { name: "matrix.md", mimeType: "text/markdown", buffer: Buffer.from("# Matrix\n") } }),
    scope: "project",
    needs: "project",
  },
  {
    file: "projects/[id]/files/[fileId]/route.ts",
    method: "GET",
    path: (n) => `/api/projects/${n.project}/files/${n.projectFile}`,
    scope: "project",
    needs: "project",
  },
  {
    file: "projects/[id]/files/[fileId]/route.ts",
    method: "DELETE",
    path: (n) => `/api/projects/${n.project}/files/${n.projectFile}`,
    scope: "project",
    needs: "project",
  },
  {
    file: "projects/[id]/files/[fileId]/content/route.ts",
    method: "GET",
    path: (n) => `/api/projects/${n.project}/files/${n.projectFile}/content`,
    scope: "project",
    needs: "project",
  },
  {
    file: "projects/[id]/files/[fileId]/passages/[seq]/route.ts",
    method: "GET",
    path: (n) => `/api/projects/${n.project}/files/${n.projectFile}/passages/${n.passage}`,
    scope: "project",
    needs: "project",
  },
  // Only the thread's author moves it, and only into a project they may use: everyone else "Thread not found.".
  {
    file: "threads/[id]/project/route.ts",
    method: "PUT",
    path: (n) => `/api/threads/${n.thread}/project`,
    data: (n) => ({ projectId: n.project }),
    scope: "thread",
    needs: "project",
  },
  {
    file: "threads/[id]/instructions/route.ts",
    method: "GET",
    path: (n) => `/api/threads/${n.thread}/instructions`,
    scope: "thread",
    needs: "project",
  },
  // Everyone reads and writes only their own personal instructions.
  {
    file: "account/instructions/route.ts",
    method: "GET",
    path: () => "/api/account/instructions",
    scope: "collection",
  },
  {
    file: "account/instructions/route.ts",
    method: "PUT",
    path: () => "/api/account/instructions",
    data: () => ({ instructions: "Matrix instructions." }),
    scope: "collection",
  },
  // An import writes only the caller's own new threads (lib/import).
  {
    file: "account/import/route.ts",
    method: "POST",
    path: () => "/api/account/import",
    multipart: () => ({
      file: {
        name: "conversations.json",
        mimeType: "application/json",
        buffer: Buffer.from(exportJson([simpleChatGpt("Matrix import", "q", "a")])),
      },
    }),
    scope: "collection",
  },
  { file: "health/route.ts", method: "GET", path: () => "/api/health", scope: "public", status: 200 },
  { file: "ready/route.ts", method: "GET", path: () => "/api/ready", scope: "public", status: 200 },
  // Mermaid's browser build: a library's file, the same for everyone.
  {
    file: "vendor/mermaid/[...file]/route.ts",
    method: "GET",
    path: () => "/vendor/mermaid/mermaid.esm.min.mjs",
    scope: "public",
    status: 200,
  },
  // A session is no key to the metrics: only METRICS_TOKEN is (set on this server).
  { file: "metrics/route.ts", method: "GET", path: () => "/api/metrics", scope: "public", status: 401 },
];

const appDir = path.join(process.cwd(), "app");
const apiDir = path.join(appDir, "api");
/** Files named `name` anywhere under app/, as paths from app/. */
function filesNamed(name: string, dir = appDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    // api/auth/ is better-auth's own; [...path] only answers 404 for unknown paths and reads nothing.
    if (entry.isDirectory())
      return full === path.join(apiDir, "auth") || entry.name === "[...path]" ? [] : filesNamed(name, full);
    return entry.name === name ? [path.relative(appDir, full)] : [];
  });
}
/** Every route file under app/ (API routes named from app/api/, as before; the rest, such as /s/, from app/). */
const routeFiles = filesNamed("route.ts");
const fileName = (file: string) => (file.startsWith(`api${path.sep}`) ? path.relative("api", file) : file);

/**
 * "METHOD file" → the `auth` its route file gives `route()` (or why none could be read). The share
 * pages (app/s/) are public by nature, answering each viewer as they may see it: they are in the
 * matrix too.
 */
const declared = new Map([
  ...routeFiles.flatMap((file) => declaredAccess(fileName(file), readFileSync(path.join(appDir, file), "utf8"))),
  ...filesNamed("page.tsx", path.join(appDir, "s")).map((file): [string, string] => [`GET ${file}`, "public"]),
]);
const declaredFor = (call: Call) => declared.get(`${call.method} ${call.file}`);

test("every API route and method is in the isolation matrix, with the access its scope needs", () => {
  expect.soft([...declared.keys()].sort()).toEqual(calls.map((c) => `${c.method} ${c.file}`).sort());
  // A method with no readable declaration, or a new public (or admin, or user) one the matrix does not expect, fails here.
  expect([...declared].map(([call, access]) => `${call}: ${access}`).sort()).toEqual(
    calls.map((c) => `${c.method} ${c.file}: ${accessOf[c.scope]}`).sort(),
  );
});

const send = (request: APIRequestContext, call: Call, names: Names) =>
  request.fetch(call.path(names), { method: call.method, data: call.data?.(names), multipart: call.multipart?.() });

type Client = { request: APIRequestContext; userId: string };
const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;
let admin: Client, other: Client, pending: Client, banned: Client, anonymous: APIRequestContext;
let nonce = 0;

const setPending = (userId: string) =>
  withDb((c) => c.query(`update "user" set approval_status = 'pending' where id = $1`, [userId]));

/** Marks the address verified (as the mailed link does) once the server's session reads say so; its email. */
async function verified(client: Client): Promise<string> {
  const email = await withDb(async (c) => {
    await c.query(`update "user" set email_verified = true where id = $1`, [client.userId]);
    return (await c.query(`select email from "user" where id = $1`, [client.userId])).rows[0].email as string;
  });
  await expect
    .poll(async () => (await (await client.request.get("/api/auth/get-session")).json())?.user?.emailVerified)
    .toBe(true);
  return email;
}

const noWorkspace = { workspace: "x".repeat(32), member: "x".repeat(32), workspaceInvitation: "x".repeat(32) };

/**
 * The workspace names a call acts on. "workspace": the owner's, the target a second owner (so the
 * owner may leave or remove them), with one pending invitation. "workspace invitation": the
 * target's workspace, inviting the owner's (verified) address.
 */
async function workspaceNames(scope: Scope, owner: Client, target: Client): Promise<typeof noWorkspace> {
  if (scope !== "workspace" && scope !== "workspace invitation") return noWorkspace;
  const [host, guest] = scope === "workspace" ? [owner, target] : [target, owner];
  const created = await host.request.post("/api/workspaces", { data: { name: "Matrix", slug: matrixSlug() } });
  expect(created.status()).toBe(201);
  const workspace = (await created.json()).id as string;
  const inviteTo = async (email: string, role: string) => {
    const response = await host.request.post(`/api/workspaces/${workspace}/invitations`, { data: { email, role } });
    expect(response.status()).toBe(201);
    return (await response.json()).invitation.id as string;
  };
  const guestEmail = await verified(guest);
  if (scope === "workspace invitation")
    return { workspace, member: noWorkspace.member, workspaceInvitation: await inviteTo(guestEmail, "member") };
  expect((await guest.request.post(`/api/invitations/${await inviteTo(guestEmail, "owner")}/accept`)).status()).toBe(
    200,
  );
  const workspaceInvitation = await inviteTo(`matrix-pending-${process.pid}-${slugs++}@example.com`, "member");
  const { members } = (await (await host.request.get(`/api/workspaces/${workspace}`)).json()) as {
    members: { id: string; userId: string }[];
  };
  return { workspace, member: members.find((m) => m.userId === guest.userId)!.id, workspaceInvitation };
}

/** A workspace's rows, its members' and invitations', as text. */
const snapshotWorkspace = (id: string) =>
  withDb(async (client) => {
    const rows = async (query: string) => (await client.query(query, [id])).rows.map((r) => r.row as string);
    return {
      workspace: await rows(`select row_to_json(t)::text as row from workspace t where id = $1`),
      members: await rows(
        `select row_to_json(t)::text as row from workspace_member t where workspace_id = $1 order by 1`,
      ),
      invitations: await rows(
        `select row_to_json(t)::text as row from workspace_invitation t where workspace_id = $1 order by 1`,
      ),
    };
  });

/** A workspace `userId` owns, as better-auth's plugin writes one, with the owner's thread in it. */
const ownedWorkspace = (userId: string, threadId: string) =>
  withDb(async (c) => {
    const id = crypto.randomUUID().replaceAll("-", "");
    await c.query(`insert into workspace (id, name, slug, token_quota) values ($1, $2, $3, 1000000)`, [
      id,
      `Matrix ${id.slice(0, 8)}`,
      `matrix-${id}`,
    ]);
    await c.query(`insert into workspace_member (id, workspace_id, user_id, role) values ($1, $2, $3, 'owner')`, [
      crypto.randomUUID(),
      id,
      userId,
    ]);
    await c.query(`update thread set workspace_id = $1 where id = $2`, [id, threadId]);
    return id;
  });

/** Names of no MCP server, tool or tool call. */
const noTools = () => ({ server: crypto.randomUUID(), tool: "no-such-tool", toolCall: "call_none" });

/** Test-made servers are named with this prefix, and deleted after their test. */
const matrixServerPrefix = `Matrix tools ${process.pid}`;

/**
 * The MCP server, tool and tool call a call names: a per-person server for everyone (a name that
 * resolves nowhere, or the OAuth test server for "oauth server"), an offered tool of it, an
 * awaiting call in the owner's thread, or the owner's own token for it.
 */
async function toolNames(needs: Call["needs"], owner: Client, threadId: string) {
  const names = noTools();
  if (!needs || !["mcp server", "mcp tool", "tool call", "tool connection", "oauth server"].includes(needs))
    return names;
  const oauthUrl = process.env.E2E_MCP_OAUTH_URL;
  if (needs === "oauth server" && !oauthUrl) test.skip(true, "needs E2E_MCP_OAUTH_URL from global-setup");
  const url = needs === "oauth server" ? oauthUrl! : "https://mcp-matrix.invalid/mcp";
  await withDb(async (c) => {
    names.server = // A static OAuth client: the test provider (oauth2-mock-server) has no dynamic registration.
      (
        await c.query(
          `insert into mcp_server (name, url, auth, oauth_client_id) values ($1, $2, 'per_person', 'threadkeeper-test') returning id`,
          [`${matrixServerPrefix} ${slugs++}`, url],
        )
      ).rows[0].id as string;
    names.tool = "matrix_echo";
    await c.query(
      `insert into mcp_tool (server_id, name, description, input_schema, offered, policy) values ($1, $2, 'Echoes.', '{"type":"object"}', true, 'ask')`,
      [names.server, names.tool],
    );
    if (needs === "tool call") {
      names.toolCall = `call_matrix_${slugs++}`;
      await c.query(
        `insert into tool_call (user_id, thread_id, stream_id, tool_call_id, server_id, tool_name, status) values ($1, $2, $3, $4, $5, $6, 'awaiting')`,
        [owner.userId, threadId, crypto.randomUUID(), names.toolCall, names.server, names.tool],
      );
    }
  });
  if (needs === "tool connection")
    expect(
      (await owner.request.put(`/api/tool-connections/${names.server}`, { data: { token: "owner-token" } })).status(),
    ).toBe(200);
  return names;
}

/** The rows of tools a call could touch: the server's, its tools, its credentials, and the thread's switches and calls. */
const snapshotTools = (server: string, threadId: string) =>
  withDb(async (c) => {
    const rows = async (query: string, value: string) =>
      (await c.query(query, [value])).rows.map((r) => r.row as string);
    return {
      server: await rows(`select row_to_json(t)::text as row from mcp_server t where id = $1`, server),
      tools: await rows(`select row_to_json(t)::text as row from mcp_tool t where server_id = $1 order by 1`, server),
      credentials: await rows(
        `select row_to_json(t)::text as row from mcp_credential t where server_id = $1 order by 1`,
        server,
      ),
      threadTools: await rows(
        `select row_to_json(t)::text as row from thread_tool t where thread_id = $1 order by 1`,
        threadId,
      ),
      toolCalls: await rows(
        `select row_to_json(t)::text as row from tool_call t where thread_id = $1 order by 1`,
        threadId,
      ),
    };
  });

const deleteMatrixServers = () =>
  withDb((c) => c.query(`delete from mcp_server where name like $1`, [`${matrixServerPrefix} %`]));

/** Names of no project, file or passage. */
const noProject = () => ({ project: crypto.randomUUID(), projectFile: crypto.randomUUID(), passage: 1 });

/**
 * The owner's personal project: named, instructed and holding a file that all carry the secret,
 * the file indexed (its first passage readable), and the owner's thread in it, so every project
 * and thread route has something of the owner's to show or refuse.
 */
async function ownersProject(owner: Client, threadId: string, secret: string) {
  const created = await owner.request.post("/api/projects", {
    data: { name: `Project ${secret}`, instructions: `Instructions ${secret}` },
  });
  expect(created.status(), await created.text()).toBe(201);
  const project = (await created.json()).id as string;
  const upload = await owner.request.post(`/api/projects/${project}/files`, {
    multipart: {
      file: {
        name: `${secret}.md`,
        mimeType: "text/markdown",
        buffer: Buffer.from(`# Notes\n\nThe passage ${secret}.\n`),
      },
    },
  });
  expect(upload.status(), await upload.text()).toBe(201);
  const projectFile = (await upload.json()).id as string;
  await expect
    .poll(
      async () => (await (await owner.request.get(`/api/projects/${project}/files/${projectFile}`)).json()).status,
      {
        timeout: 30_000,
      },
    )
    .toBe("indexed");
  expect((await owner.request.put(`/api/threads/${threadId}/project`, { data: { projectId: project } })).status()).toBe(
    200,
  );
  return { project, projectFile, passage: 1 };
}

/** The owner's projects, their files and passages, and their personal instructions, as text. */
const snapshotProjects = (userId: string) =>
  withDb(async (c) => {
    const rows = async (query: string) => (await c.query(query, [userId])).rows.map((r) => r.row as string);
    return {
      projects: await rows(`select row_to_json(t)::text as row from project t where user_id = $1 order by 1`),
      files: await rows(
        `select row_to_json(f)::text as row from project_file f join project p on p.id = f.project_id where p.user_id = $1 order by 1`,
      ),
      chunks: await rows(
        `select (c.file_id || ':' || c.seq || ':' || md5(c.text)) as row from project_chunk c join project p on p.id = c.project_id where p.user_id = $1 order by 1`,
      ),
      instructions: await rows(`select row_to_json(t)::text as row from user_instructions t where user_id = $1`),
    };
  });

/** Names of no share link: a link id and a token nobody has. */
const noLink = () => ({ link: crypto.randomUUID(), token: randomToken(), shareFile: crypto.randomUUID() });

/** A `signed-in` link to the owner's thread as it is (a snapshot of its messages and files). */
async function ownersLink(owner: Client, threadId: string) {
  const link = await share(owner, threadId, undefined, 201);
  const shareFile = await withDb(
    async (c) =>
      ((await c.query(`select id from share_file where link_id = $1`, [link.id])).rows[0]?.id as string | undefined) ??
      crypto.randomUUID(),
  );
  return { link: link.id, token: tokenOf(link), shareFile };
}

test.describe("the isolation matrix", () => {
  test.describe.configure({ mode: "serial" });

  test.beforeAll(async ({ playwright }) => {
    admin = await apiAdmin(playwright, baseURL);
    other = await apiUser(playwright, baseURL, "Other");
    pending = await apiUser(playwright, baseURL, "Pending");
    await setPending(pending.userId);
    banned = await apiUser(playwright, baseURL, "Banned");
    expect(
      (await admin.request.post(`/api/admin/users/${banned.userId}/ban`, { data: { reason: "matrix" } })).status(),
    ).toBe(200);
    anonymous = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  });

  test.afterAll(async () => {
    for (const client of [admin, other, pending, banned]) await client?.request.dispose();
    await anonymous?.dispose();
  });

  for (const call of calls.filter((c) => declaredFor(c) === "public" && c.scope !== "share page")) {
    test(`${call.method} ${call.file}: ${call.status} for every caller, and nothing of anyone's in it`, async ({
      playwright,
    }) => {
      // Public only where the matrix lists it, with the status every caller gets.
      expect(accessOf[call.scope], `${call.method} ${call.file} declares public`).toBe("public");
      const owner = await apiUser(playwright, baseURL, "Owner");
      const thread = await (
        await owner.request.post("/api/threads", { data: { title: `public check ${nonce++}` } })
      ).json();
      for (const [who, client] of [
        ["anonymous", anonymous],
        ["banned", banned.request],
        ["pending", pending.request],
        ["user", other.request],
        ["admin", admin.request],
        ["owner", owner.request],
      ] as const) {
        const response = await send(client, call, {
          thread: thread.id,
          user: owner.userId,
          invitation: crypto.randomUUID(),
          attachment: crypto.randomUUID(),
          ...noWorkspace,
          ...noLink(),
          ...noTools(),
          ...noProject(),
        });
        expect(response.status(), who).toBe(call.status);
        const body = await response.text();
        expect(body, who).not.toContain(thread.id);
        expect(body, who).not.toContain(owner.userId);
      }
      await owner.request.dispose();
    });
  }

  for (const call of calls.filter((c) => declaredFor(c) !== "public" && c.scope !== "share continue")) {
    const access = declaredFor(call);
    const expected =
      access === "admin"
        ? "a user 403, an admin 2xx"
        : call.scope === "workspace invitation"
          ? "others and admins 403, the invitee 2xx"
          : "others and admins 404, the owner 2xx";
    test(`${call.method} ${call.file}: anonymous and banned 401, pending 403, ${expected}`, async ({ playwright }) => {
      expect(access, `the access ${call.method} ${call.file} declares`).toBe(accessOf[call.scope]);
      // An owner with a thread, a title and messages no one else may see.
      const secret = `owned secret ${process.pid}-${nonce++}`;
      const owner = await apiUser(playwright, baseURL, "Owner");
      const thread = await (await owner.request.post("/api/threads", { data: { title: secret } })).json();
      await owner.request.post("/api/chat", { data: chatBody(thread.id, `seed message ${secret}`, "seed") });
      await expect
        .poll(
          async () => (await (await owner.request.get(`/api/threads/${thread.id}/messages`)).json()).messages.length,
        )
        .toBe(2);
      // The reply's model and usage are written after it is stored: the snapshots below must not race them.
      await expect
        .poll(() =>
          withDb(
            async (c) =>
              (await c.query(`select 1 from message where thread_id = $1 and usage is not null`, [thread.id])).rowCount,
          ),
        )
        .toBe(1);

      // The account or invitation an admin route acts on.
      const target = await apiUser(playwright, baseURL, "Target matrix");
      if (call.needs === "pending target") await setPending(target.userId);
      if (call.needs === "banned target")
        expect((await admin.request.post(`/api/admin/users/${target.userId}/ban`, { data: {} })).status()).toBe(200);
      const invitation =
        call.needs === "invitation"
          ? (await (await admin.request.post("/api/admin/invitations", { data: {} })).json()).invitation.id
          : crypto.randomUUID();
      if (call.needs === "workspace thread") {
        const space = await createWorkspace([{ userId: owner.userId, role: "owner" }]);
        await withDb((c) => c.query(`update thread set workspace_id = $1 where id = $2`, [space.id, thread.id]));
      }
      const upload = await owner.request.post("/api/attachments", {
        multipart: { file: { name: `${secret}.txt`, mimeType: "text/plain", buffer: Buffer.from(secret) } },
      });
      expect(upload.status()).toBe(201);
      // The admins' list of workspaces shows one holding the owner's thread, and never the thread.
      if (call.file === "admin/workspaces/route.ts") await ownedWorkspace(owner.userId, thread.id);
      const names: Names = {
        thread: thread.id,
        user: target.userId,
        invitation,
        attachment: (await upload.json()).id,
        ...(await workspaceNames(call.scope, owner, target)),
        ...(call.needs === "link" ? await ownersLink(owner, thread.id) : noLink()),
        ...(await toolNames(call.needs, owner, thread.id)),
        ...(call.needs === "project" ? await ownersProject(owner, thread.id, secret) : noProject()),
      };

      const watched = [owner.userId, other.userId, pending.userId, banned.userId, target.userId];
      const state = async () => ({
        users: await snapshotUsers(watched),
        admin: await snapshotAdminState(),
        workspace: await snapshotWorkspace(names.workspace),
        tools: await snapshotTools(names.server, names.thread),
        projects: await snapshotProjects(owner.userId),
      });
      const before = await state();

      for (const [who, client] of [
        ["anonymous", anonymous],
        ["banned", banned.request],
      ] as const) {
        const response = await send(client, call, names);
        expect(response.status(), who).toBe(401);
        expect(await response.json(), who).toEqual({
          error: { code: "unauthorized", message: expect.any(String), requestId: expect.any(String) },
        });
      }
      const waiting = await send(pending.request, call, names);
      expect(waiting.status()).toBe(403);
      expect(await waiting.json()).toEqual({
        error: { code: "pending_approval", message: expect.any(String), requestId: expect.any(String) },
      });

      const asUser = await send(other.request, call, names);
      const asAdmin = access === "admin" ? null : await send(admin.request, call, names);
      if (access === "admin") {
        expect(asUser.status()).toBe(403);
        expect(await asUser.json()).toEqual({
          error: { code: "forbidden", message: expect.any(String), requestId: expect.any(String) },
        });
      } else if (
        call.scope === "thread" ||
        call.scope === "attachment" ||
        call.scope === "workspace" ||
        call.scope === "share link" ||
        call.scope === "tool connection" ||
        call.scope === "project"
      ) {
        // Someone else's thread, file, workspace or link is missing to everyone but its owner, admins included.
        const missing =
          call.missing ??
          {
            thread: "Thread not found.",
            attachment: "Attachment not found.",
            workspace: "Workspace not found.",
            "share link": "Link not found.",
            "tool connection": "Connection not found.",
            project: "Project not found.",
          }[call.scope];
        for (const response of [asUser, asAdmin!]) {
          expect(response.status()).toBe(404);
          expect(await response.json()).toEqual({
            error: { code: "not_found", message: missing, requestId: response.headers()["x-request-id"] },
          });
        }
      } else if (call.scope === "workspace invitation") {
        // The link is the invitation's only secret: whoever holds it but is not the invited address is refused.
        for (const response of [asUser, asAdmin!]) {
          expect(response.status()).toBe(403);
          expect(await response.json()).toEqual({
            error: { code: "forbidden", message: expect.any(String), requestId: response.headers()["x-request-id"] },
          });
        }
      } else {
        for (const response of [asUser, asAdmin!]) {
          expect(response.status()).toBeLessThan(300);
          const body = await response.text();
          expect(body).not.toContain(thread.id);
          expect(body).not.toContain(secret);
        }
      }
      // Refused: every row these accounts own, and every invitation and setting, is exactly as it was.
      if (call.scope !== "collection") expect(await state()).toEqual(before);

      const allowed =
        access === "admin" ? await send(admin.request, call, names) : await send(owner.request, call, names);
      expect(allowed.status(), await allowed.text()).toBeGreaterThanOrEqual(200);
      expect(allowed.status()).toBeLessThan(300);
      // Admins manage accounts: no admin answer carries a thread's id, title or messages.
      if (access === "admin") {
        const body = await allowed.text();
        expect(body).not.toContain(thread.id);
        expect(body).not.toContain(secret);
      }
      for (const client of [owner, target]) await client.request.dispose();
      await deleteMatrixServers();
    });
  }

  // The share routes under /s/ answer by who is looking: for the owner's `signed-in` link, every
  // approved, signed-in person (another user, an admin, the owner) gets the snapshot; anyone else
  // the 404 of an unknown link (continue: the 401/403 of a route for the signed-in), and changes nothing.
  for (const call of calls.filter((c) => c.scope === "share page" || c.scope === "share continue")) {
    const isContinue = call.scope === "share continue";
    test(`${call.method} ${call.file}: a signed-in link: anonymous, banned and pending ${isContinue ? "401/403" : "404"}, any signed-in person ${isContinue ? "201" : "200"}; an unknown link 404 for all`, async ({
      playwright,
    }) => {
      expect(declaredFor(call), `the access ${call.method} ${call.file} declares`).toBe(accessOf[call.scope]);
      const secret = `shared secret ${process.pid}-${nonce++}`;
      const owner = await apiUser(playwright, baseURL, "Owner");
      const thread = await threadWithReply(owner, secret, `seed message ${secret}`, [
        { name: "secret.txt", type: "text/plain", bytes: Buffer.from(secret) },
      ]);
      const names: Names = {
        thread: thread.id,
        user: owner.userId,
        invitation: crypto.randomUUID(),
        attachment: thread.uploads[0].id,
        ...noWorkspace,
        ...(await ownersLink(owner, thread.id)),
        ...noTools(),
        ...noProject(),
      };
      expect(names.shareFile).not.toBe(thread.uploads[0].id);
      // Not the admin: other tests sign that shared account in beside this one.
      const watched = [owner.userId, other.userId, pending.userId, banned.userId];
      const before = await snapshotUsers(watched);

      const refusals: [string, APIRequestContext, number, string][] = [
        ["anonymous", anonymous, isContinue ? 401 : 404, isContinue ? "unauthorized" : "not_found"],
        ["banned", banned.request, isContinue ? 401 : 404, isContinue ? "unauthorized" : "not_found"],
        ["pending", pending.request, isContinue ? 403 : 404, isContinue ? "pending_approval" : "not_found"],
      ];
      for (const [who, client, status, code] of refusals) {
        const response = await send(client, call, names);
        expect(response.status(), who).toBe(status);
        expectShareHeaders(response.headers(), who);
        const body = await response.text();
        expect(body, who).not.toContain(secret);
        expect(body, who).not.toContain(thread.id);
        if (call.file !== "s/[token]/page.tsx") expect(JSON.parse(body).error.code, who).toBe(code);
      }
      // Nothing written, not even a view.
      expect(await snapshotUsers(watched)).toEqual(before);

      for (const [who, client] of [
        ["user", other.request],
        ["admin", admin.request],
        ["owner", owner.request],
      ] as const) {
        const response = await send(client, call, names);
        expect(response.status(), who).toBe(isContinue ? 201 : 200);
        expectShareHeaders(response.headers(), who);
        if (!isContinue) expect(await response.text(), who).toContain(secret);
      }

      // An unknown token is the same 404 for everyone (continue: after the session check).
      const unknown = { ...names, token: randomToken() };
      for (const [who, client, status] of [
        ["anonymous", anonymous, isContinue ? 401 : 404],
        ["pending", pending.request, isContinue ? 403 : 404],
        ["user", other.request, 404],
        ["owner", owner.request, 404],
      ] as const) {
        const response = await send(client, call, unknown);
        expect(response.status(), `${who}, unknown link`).toBe(status);
        expect(await response.text()).not.toContain(secret);
      }
      await owner.request.dispose();
    });
  }
});
