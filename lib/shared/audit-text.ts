/**
 * Audit events in words, for /admin's audit log and a workspace's events: the same action reads
 * the same everywhere. Codes stay the API's and the filter's values; these are only their labels.
 */

const labels: Record<string, string> = {
  quota_changed: "Personal quota changed",
  signup_mode_changed: "Sign-up mode changed",
  invitation_created: "Sign-up invitation created",
  invitation_revoked: "Sign-up invitation revoked",
  invitation_used: "Sign-up invitation used",
  workspace_quota_changed: "Workspace quota changed",
  workspace_creation_changed: "Who can create workspaces changed",
  workspace_invitation_created: "Workspace invitation sent",
  workspace_invitation_revoked: "Workspace invitation revoked",
  workspace_invitation_accepted: "Workspace invitation accepted",
  workspace_member_added: "Member joined the workspace",
  workspace_member_removed: "Member removed from the workspace",
  workspace_member_left: "Member left the workspace",
  workspace_member_role_changed: "Member's workspace role changed",
  thread_shared: "Thread shared with the workspace",
  thread_unshared: "Thread no longer shared",
  share_link_created: "Share link created",
  share_link_updated: "Share link updated",
  share_link_audience_changed: "Who can open a share link changed",
  share_link_deleted: "Share link deleted",
  share_link_policy_changed: "Share links setting changed",
  tool_called: "Tool called",
  mcp_server_created: "MCP server connected",
  mcp_server_updated: "MCP server changed",
  mcp_server_deleted: "MCP server deleted",
  tool_connection_added: "Tool account connected",
  tool_connection_removed: "Tool account disconnected",
};

/** "workspace_member_left" → "Member left the workspace"; any other code, its words. */
export function auditActionLabel(action: string): string {
  if (Object.hasOwn(labels, action)) return labels[action];
  const words = action.replaceAll("_", " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const valueText = (key: string, value: string | number | boolean | null) => {
  if (value === null) return key === "tokens" ? "no quota" : "none";
  if (typeof value === "number") return value.toLocaleString("en");
  return String(value);
};

/** An event's few facts as "key: value, …" (a quota of null reads "no quota"). */
export function auditDetailText(detail: Record<string, string | number | boolean | null> | null): string {
  if (!detail) return "";
  return Object.entries(detail)
    .map(([key, value]) => `${key}: ${valueText(key, value)}`)
    .join(", ");
}
