import { call } from "@/lib/client/api-client";
import type { WorkspaceJson, WorkspaceRoleName } from "@/lib/shared/workspaces";

/** GET /api/workspaces/[id]'s body, as the settings page reads it (dates as ISO strings). */
export type WorkspaceDetailsJson = {
  workspace: WorkspaceJson & { tokenQuota: number | null; createdAt: string };
  members: { id: string; userId: string; name: string; email: string; role: WorkspaceRoleName; joinedAt: string }[];
  invitations: {
    id: string;
    email: string;
    role: WorkspaceRoleName;
    status: "pending" | "expired";
    expiresAt: string;
    createdAt: string;
    inviterName: string | null;
  }[];
};

export type CreatedInvitation = {
  invitation: { id: string; email: string; role: WorkspaceRoleName; expiresAt: string };
  /** The link to send; the API returns it once. */
  url: string;
};

const json = (value: unknown) => JSON.stringify(value);
const workspacePath = (id: string) => `/api/workspaces/${encodeURIComponent(id)}`;

/** The workspace routes (/api/workspaces/**, /api/invitations/**); every error is an ApiClientError with the server's message. */
export const workspaceApi = {
  list: () =>
    call<{ workspaces: WorkspaceJson[]; active: WorkspaceJson | null; canCreate: boolean }>("/api/workspaces"),
  create: (input: { name: string; slug: string }) =>
    call<WorkspaceJson>("/api/workspaces", { method: "POST", body: json(input) }),
  /** Makes a workspace (null: the personal space) the session's active one. */
  setActive: (workspaceId: string | null) =>
    call<{ active: WorkspaceJson | null }>("/api/workspaces/active", { method: "PUT", body: json({ workspaceId }) }),
  details: (id: string) => call<WorkspaceDetailsJson>(workspacePath(id)),
  rename: (id: string, name: string) =>
    call<WorkspaceDetailsJson>(workspacePath(id), { method: "PATCH", body: json({ name }) }),
  remove: (id: string) => call<void>(workspacePath(id), { method: "DELETE" }),
  invite: (id: string, input: { email: string; role: WorkspaceRoleName; expiresInDays: number }) =>
    call<CreatedInvitation>(`${workspacePath(id)}/invitations`, { method: "POST", body: json(input) }),
  revokeInvitation: (id: string, invitationId: string) =>
    call<void>(`${workspacePath(id)}/invitations/${encodeURIComponent(invitationId)}`, { method: "DELETE" }),
  changeRole: (id: string, memberId: string, role: WorkspaceRoleName) =>
    call<void>(`${workspacePath(id)}/members/${encodeURIComponent(memberId)}`, {
      method: "PATCH",
      body: json({ role }),
    }),
  removeMember: (id: string, memberId: string) =>
    call<void>(`${workspacePath(id)}/members/${encodeURIComponent(memberId)}`, { method: "DELETE" }),
  leave: (id: string) => call<void>(`${workspacePath(id)}/leave`, { method: "POST" }),
  acceptInvitation: (invitationId: string) =>
    call<WorkspaceJson>(`/api/invitations/${encodeURIComponent(invitationId)}/accept`, { method: "POST" }),
};
