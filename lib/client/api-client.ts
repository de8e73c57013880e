import type { UIMessage } from "ai";
import { threadIdFromPath } from "@/lib/shared/chat-messages";
import type { AdminUserRow, InvitationRow } from "@/lib/shared/admin";
import type { SignupMode } from "@/lib/shared/signup-modes";
import type {
  AdminShareLinkRow,
  AdminShareOverview,
  ShareAudience,
  ShareLinkJson,
  ShareLinkMode,
} from "@/lib/shared/share-links";
import type { ThreadToolSetting, ThreadToolSettingJson, ThreadToolsJson, ToolDecision } from "@/lib/shared/tools";
import type { WorkspaceCreationMode } from "@/lib/shared/workspaces";
import type { WorkspaceAuditRow, WorkspaceUsageJson } from "@/lib/shared/workspace-admin";
import type { ThreadJson, ThreadStatus } from "@/lib/shared/threads";

/** Thread as the API returns it (dates as ISO strings). */
export type ApiThread = ThreadJson;

export type ApiSearchResult = {
  id: string;
  title: string | null;
  status: ThreadStatus;
  updatedAt: string;
  snippet: string;
  /** The message the snippet comes from (null: the title matched); opening the result shows it. */
  messageId: string | null;
};

export type ApiMessage = {
  id: string;
  parentId: string | null;
  format: string;
  content: Record<string, unknown>;
  status?: string;
  createdAt?: string;
};

/**
 * An API error turned back into something to show: the server's own message and code. A server
 * fault also names its request id, so the person who sees it can quote it to the operator.
 */
export class ApiClientError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly requestId?: string,
  ) {
    super(status >= 500 && requestId ? `${message} (Reference: ${requestId})` : message);
    this.name = "ApiClientError";
  }
}

async function toApiClientError(response: Response): Promise<ApiClientError> {
  const body = (await response.json().catch(() => null)) as {
    error?: { code?: string; message?: string; requestId?: string };
  } | null;
  return new ApiClientError(
    body?.error?.message ?? `Request failed (${response.status}).`,
    response.status,
    body?.error?.code ?? "unknown",
    body?.error?.requestId ?? response.headers.get("x-request-id") ?? undefined,
  );
}

/**
 * The thread open at this address is gone (deleted in another tab, or never was): a full load
 * shows the not-found page, the same one a fresh visit gets.
 */
function reloadIfOpenThreadGone(threadId: string | undefined) {
  if (typeof window !== "undefined" && threadId && threadIdFromPath(window.location.pathname) === threadId)
    window.location.reload();
}

/**
 * A JSON call to the app's API: the parsed body, or an ApiClientError carrying the server's message.
 * `threadGone`: whether a 404 under /api/threads/:id means that thread is gone (not so for a
 * thread's share link, which may simply not exist).
 */
export async function call<T>(path: string, init: RequestInit = {}, threadGone = true): Promise<T> {
  const response = await fetch(path, {
    ...init,
    // A form (a file upload) sets its own multipart type and boundary.
    headers:
      init.body && !(init.body instanceof FormData)
        ? { "content-type": "application/json", ...init.headers }
        : init.headers,
  });
  if (response.status === 404 && threadGone) reloadIfOpenThreadGone(/^\/api\/threads\/([^/?]+)/.exec(path)?.[1]);
  if (!response.ok) throw await toApiClientError(response);
  return (response.status === 204 ? undefined : await response.json()) as T;
}

/** What POST /api/attachments answers: the type is the one the server detected from the bytes. */
export type ApiAttachment = { id: string; name: string; type: string; size: number };

/**
 * One file to POST /api/attachments, reporting upload progress from 0 to 1 (fetch cannot report
 * an upload's progress; XMLHttpRequest can). Aborting the signal cancels the upload.
 */
function uploadAttachment(
  file: File,
  onProgress: (fraction: number) => void,
  signal?: AbortSignal,
): Promise<ApiAttachment> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", "/api/attachments");
    request.upload.onprogress = (event) => event.lengthComputable && onProgress(event.loaded / event.total);
    request.onload = () => {
      const response = new Response(request.responseText, {
        status: request.status,
        headers: {
          "content-type": "application/json",
          "x-request-id": request.getResponseHeader("x-request-id") ?? "",
        },
      });
      if (request.status === 201) resolve(response.json());
      else toApiClientError(response).then(reject, reject);
    };
    request.onerror = () => reject(new ApiClientError("The upload did not reach the server.", 0, "network_error"));
    request.onabort = () => reject(new DOMException("The upload was cancelled.", "AbortError"));
    signal?.addEventListener("abort", () => request.abort(), { once: true });
    const form = new FormData();
    form.append("file", file);
    request.send(form);
  });
}

const json = (value: unknown) => JSON.stringify(value);
const threadPath = (id: string) => `/api/threads/${encodeURIComponent(id)}`;
const adminUserPath = (id: string) => `/api/admin/users/${encodeURIComponent(id)}`;
const workspacePath = (id: string) => `/api/workspaces/${encodeURIComponent(id)}`;

/** What the chat UI sends to /api/chat; `replyId` names the reply so its settled copy replaces the server's. */
export type ChatRequest = { id: string; replyId?: string; messages: UIMessage[]; model?: string };

export const api = {
  /** Starts a reply; resolves to its AI SDK UI message stream (server-sent events). */
  chat: async (body: ChatRequest, signal: AbortSignal) => {
    const response = await fetch("/api/chat", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: json(body),
      signal,
    });
    if (response.status === 404) reloadIfOpenThreadGone(body.id);
    if (!response.ok || !response.body) throw await toApiClientError(response);
    return response.body;
  },
  /** The reply being written in the thread, from its start (`reply` null when none is), and when the thread last got a message. */
  followReply: async (id: string, signal: AbortSignal) => {
    const response = await fetch(`${threadPath(id)}/stream`, { signal });
    if (response.status === 404) reloadIfOpenThreadGone(id);
    if (!response.ok) throw await toApiClientError(response);
    const lastMessageAt = response.headers.get("x-thread-last-message-at");
    if (response.status === 204 || !response.body) return { reply: null, lastMessageAt };
    return {
      reply: {
        body: response.body,
        replyId: response.headers.get("x-reply-id") ?? "",
        parentId: response.headers.get("x-reply-parent-id") ?? "",
      },
      lastMessageAt,
    };
  },
  stopReply: (id: string) => call<void>(`${threadPath(id)}/stop`, { method: "POST", keepalive: true }),
  listThreads: (params: { status: ThreadStatus; after?: string; limit?: number }) => {
    const query = new URLSearchParams({ status: params.status, limit: String(params.limit ?? 50) });
    if (params.after) query.set("after", params.after);
    // `workspaceId`: the space the server listed (the session's active one).
    return call<{ threads: ApiThread[]; nextCursor: string | null; workspaceId: string | null }>(
      `/api/threads?${query}`,
    );
  },
  /** The caller's pinned threads of the session's active space, the newest pin first (one page: pins are capped). */
  listPinnedThreads: (limit = 100) =>
    call<{ threads: ApiThread[]; nextCursor: null; workspaceId: string | null }>(
      `/api/threads?${new URLSearchParams({ pinned: "true", limit: String(limit) })}`,
    ),
  /** The active workspace's threads others share (empty, with `workspaceId` null, in the personal space). */
  listSharedThreads: (params: { after?: string; limit?: number } = {}) => {
    const query = new URLSearchParams({ limit: String(params.limit ?? 50) });
    if (params.after) query.set("after", params.after);
    return call<{ threads: ApiThread[]; nextCursor: string | null; workspaceId: string | null }>(
      `/api/threads/shared?${query}`,
    );
  },
  createThread: () => call<ApiThread>("/api/threads", { method: "POST", body: json({}) }),
  shareThread: (id: string) => call<ApiThread>(`${threadPath(id)}/share`, { method: "PUT" }),
  unshareThread: (id: string) => call<ApiThread>(`${threadPath(id)}/share`, { method: "DELETE" }),
  /** "Continue as my own copy" of a thread shared with the caller: the new thread, theirs. */
  copyThread: (id: string) => call<ApiThread>(`${threadPath(id)}/copy`, { method: "POST" }),
  /** The caller's own thread's share link (null: none) and the audiences it may have now (none: links are off). */
  getShareLink: (threadId: string) =>
    call<{ link: ShareLinkJson | null; audiences: ShareAudience[] }>(`${threadPath(threadId)}/link`, {}, false),
  /** "Share link" (no audience: the default) or "Update link": a snapshot of the thread as it is now. */
  shareLink: (threadId: string, audience?: ShareAudience) =>
    call<ShareLinkJson>(
      `${threadPath(threadId)}/link`,
      audience ? { method: "PUT", body: json({ audience }) } : { method: "PUT" },
      false,
    ),
  setShareLinkAudience: (threadId: string, audience: ShareAudience) =>
    call<ShareLinkJson>(`${threadPath(threadId)}/link`, { method: "PATCH", body: json({ audience }) }, false),
  deleteThreadShareLink: (threadId: string) => call<void>(`${threadPath(threadId)}/link`, { method: "DELETE" }, false),
  listShareLinks: () => call<{ links: ShareLinkJson[] }>("/api/share-links"),
  deleteShareLink: (linkId: string) =>
    call<void>(`/api/share-links/${encodeURIComponent(linkId)}`, { method: "DELETE" }),
  getThread: (id: string) => call<ApiThread>(threadPath(id)),
  updateThread: (id: string, values: { title?: string; status?: ThreadStatus; model?: string; pinned?: boolean }) =>
    call<ApiThread>(threadPath(id), { method: "PATCH", body: json(values) }),
  deleteThread: (id: string) => call<void>(threadPath(id), { method: "DELETE" }),
  listMessages: (id: string) => call<{ messages: ApiMessage[] }>(`${threadPath(id)}/messages`),
  saveMessage: (id: string, entry: ApiMessage) =>
    call<void>(`${threadPath(id)}/messages`, { method: "POST", body: json(entry) }),
  searchThreads: (q: string, signal?: AbortSignal) =>
    call<{ results: ApiSearchResult[]; workspaceId: string | null }>(`/api/search?${new URLSearchParams({ q })}`, {
      signal,
    }),
  /** The tools the caller may switch on in their thread, grouped by server. */
  threadTools: (threadId: string) => call<ThreadToolsJson>(`${threadPath(threadId)}/tools`),
  setThreadTool: (threadId: string, setting: ThreadToolSetting) =>
    call<ThreadToolSettingJson>(`${threadPath(threadId)}/tools`, { method: "PUT", body: json(setting) }),
  /** Run or deny a tool call of the reply being written (the call waits for this answer). */
  decideToolCall: (threadId: string, toolCallId: string, decision: ToolDecision, alwaysAllow = false) =>
    call<{ decision: ToolDecision }>(
      `${threadPath(threadId)}/tool-calls/${encodeURIComponent(toolCallId)}`,
      { method: "POST", body: json({ decision, alwaysAllow }) },
      // A call nobody waits for any more (answered in another tab, timed out) is not the thread gone.
      false,
    ),
  uploadAttachment,
  deleteAttachment: (id: string) => call<void>(`/api/attachments/${encodeURIComponent(id)}`, { method: "DELETE" }),
  generateTitle: (id: string) => call<ApiThread>(`${threadPath(id)}/title`, { method: "POST" }),
  /** For the workspace's owners and admins: this month's quota, tokens used and each member's counts. */
  workspaceUsage: (id: string) => call<WorkspaceUsageJson>(`${workspacePath(id)}/usage`),
  /** Owners only: the workspace's monthly token quota (null: none), through PATCH /api/workspaces/:id. */
  setWorkspaceQuota: (id: string, tokenQuota: number | null) =>
    call<unknown>(workspacePath(id), { method: "PATCH", body: json({ tokenQuota }) }),
  /** For the workspace's owners and admins: its events, newest first, a page at a time. */
  workspaceAudit: (id: string, after?: string) =>
    call<{ events: WorkspaceAuditRow[]; nextCursor: string | null }>(
      `${workspacePath(id)}/audit${after ? `?${new URLSearchParams({ after })}` : ""}`,
    ),
  admin: {
    updateUser: (id: string, values: { role?: "admin" | "user"; tokenQuota?: number | null }) =>
      call<{ user: AdminUserRow }>(adminUserPath(id), { method: "PATCH", body: json(values) }),
    deleteUser: (id: string) => call<void>(adminUserPath(id), { method: "DELETE" }),
    approveUser: (id: string) => call<{ user: AdminUserRow }>(`${adminUserPath(id)}/approve`, { method: "POST" }),
    banUser: (id: string, ban: { reason?: string; expiresAt?: string }) =>
      call<{ user: AdminUserRow }>(`${adminUserPath(id)}/ban`, { method: "POST", body: json(ban) }),
    unbanUser: (id: string) => call<{ user: AdminUserRow }>(`${adminUserPath(id)}/ban`, { method: "DELETE" }),
    revokeSessions: (id: string) => call<void>(`${adminUserPath(id)}/sessions`, { method: "DELETE" }),
    resetTwoFactor: (id: string) =>
      call<{ user: AdminUserRow }>(`${adminUserPath(id)}/two-factor`, { method: "DELETE" }),
    sendPasswordReset: (id: string) => call<void>(`${adminUserPath(id)}/password-reset`, { method: "POST" }),
    setSignupMode: (mode: SignupMode | null) =>
      call<unknown>("/api/admin/signup-policy", { method: "PUT", body: json({ mode }) }),
    setWorkspaceCreation: (mode: WorkspaceCreationMode | null) =>
      call<{ mode: WorkspaceCreationMode; source: "admin" | "environment" }>("/api/admin/workspace-creation", {
        method: "PUT",
        body: json({ mode }),
      }),
    createInvitation: (options: { maxUses: number; expiresInDays: number; email?: string }) =>
      call<{ invitation: InvitationRow; token: string; url: string }>("/api/admin/invitations", {
        method: "POST",
        body: json(options),
      }),
    setShareLinkMode: (mode: ShareLinkMode | null) =>
      call<{ mode: ShareLinkMode; source: "admin" | "environment" }>("/api/admin/share-link-policy", {
        method: "PUT",
        body: json({ mode }),
      }),
    shareLinkOverview: () => call<AdminShareOverview>("/api/admin/share-links"),
    shareLinksOfUser: (userId: string) =>
      call<{ links: AdminShareLinkRow[] }>(`/api/admin/share-links?${new URLSearchParams({ userId })}`),
    /** The link a report names: its full address, its path or its bare token. */
    findShareLink: (link: string) =>
      call<{ links: AdminShareLinkRow[] }>(`/api/admin/share-links?${new URLSearchParams({ link })}`),
    deleteShareLink: (id: string) =>
      call<void>(`/api/admin/share-links/${encodeURIComponent(id)}`, { method: "DELETE" }),
    revokeInvitation: (id: string) =>
      call<void>(`/api/admin/invitations/${encodeURIComponent(id)}`, { method: "DELETE" }),
  },
};
