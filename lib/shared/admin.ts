/**
 * What /admin shows and the admin API answers: the server builds these (lib/admin/), the admin
 * page's components and the API client read them.
 */

/**
 * The accounts of the instance as an admin sees them: who they are, their standing and what they
 * spend; never a thread, a title or a message (admins manage accounts, not conversations).
 */
export type AdminUserRow = {
  id: string;
  name: string;
  email: string;
  role: string;
  status: "active" | "pending" | "banned";
  banReason: string | null;
  /** When a ban ends on its own; null for a ban without end (or no ban). */
  banExpiresAt: string | null;
  createdAt: string;
  lastActiveAt: string | null;
  messagesThisMonth: number;
  tokensThisMonth: number;
  /** The monthly token quota an admin set for this person; null: the instance's default. */
  tokenQuota: number | null;
  /** Whether they sign in with a second factor, and how many passkeys they have (never the secrets). */
  twoFactorEnabled: boolean;
  passkeys: number;
};

export type InvitationRow = {
  id: string;
  email: string | null;
  maxUses: number;
  uses: number;
  expiresAt: string;
  status: "active" | "used up" | "expired" | "revoked";
};

export const auditActions = [
  "sign_in",
  "sign_up",
  "sign_out",
  "password_changed",
  "password_reset",
  "session_revoked",
  "account_deleted",
  "user_banned",
  "user_unbanned",
  "role_changed",
  "user_removed",
  "user_sessions_revoked",
  "user_approved",
  "quota_changed",
  "signup_mode_changed",
  "invitation_created",
  "invitation_revoked",
  "invitation_used",
  "two_factor_enabled",
  "two_factor_disabled",
  "two_factor_reset",
  "admin_password_reset_sent",
  "backup_codes_generated",
  "passkey_added",
  "passkey_removed",
  "account_linked",
  "account_unlinked",
  "workspace_created",
  "workspace_renamed",
  "workspace_deleted",
  "workspace_quota_changed",
  "workspace_creation_changed",
  "workspace_invitation_created",
  "workspace_invitation_revoked",
  "workspace_invitation_accepted",
  "workspace_member_added",
  "workspace_member_removed",
  "workspace_member_left",
  "workspace_member_role_changed",
  "thread_shared",
  "thread_unshared",
  "share_link_created",
  "share_link_updated",
  "share_link_audience_changed",
  "share_link_deleted",
  "share_link_policy_changed",
  "tool_called",
  "mcp_server_created",
  "mcp_server_updated",
  "mcp_server_deleted",
  "tool_connection_added",
  "tool_connection_removed",
] as const;
export type AuditAction = (typeof auditActions)[number];

export type AuditRow = {
  id: string;
  at: string;
  action: string;
  outcome: string;
  actorEmail: string | null;
  targetEmail: string | null;
  address: string | null;
  userAgent: string | null;
  detail: Record<string, string | number | boolean | null> | null;
  /** The workspace the event belongs to, by name, while it exists. */
  workspace: string | null;
};
