/**
 * What a workspace's owners and admins see of it (its spending, counts only, and its events), and
 * what an instance admin sees of every workspace: never a thread, a title or a message.
 */
import type { AuditRow } from "@/lib/shared/admin";

/** One member's month in the workspace: replies (titles count tokens, not messages) and input + output tokens. */
export type MemberUsageRow = { userId: string; name: string; messages: number; tokens: number };

/** GET /api/workspaces/:id/usage: this calendar month (UTC, "YYYY-MM"). */
export type WorkspaceUsageJson = {
  month: string;
  /** The workspace's monthly token quota; null: none. */
  quota: number | null;
  /** Tokens spent in the workspace this month, by everyone who spent them (members who left included). */
  used: number;
  members: MemberUsageRow[];
};

/** A row of GET /api/admin/workspaces (dates as ISO strings). */
export type AdminWorkspaceRow = {
  id: string;
  name: string;
  slug: string;
  members: number;
  messages: number;
  tokens: number;
  createdAt: string;
};

/**
 * An event of the workspace as its owners and admins see it: who did what to whom, and when.
 * Not where from: client addresses and user agents are for the instance's admins only.
 */
export type WorkspaceAuditRow = Omit<AuditRow, "address" | "userAgent" | "workspace">;
