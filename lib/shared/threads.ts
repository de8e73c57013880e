/**
 * Threads as the API sends them and the chat reads them. The database's own types live in
 * db/schema.ts, which the browser must not import: lib/chat/threads.ts checks that these agree
 * with it.
 */

/** The states a thread can be in (active, archived): db/schema.ts's threadStatuses, the same list. */
export const threadStatuses = ["regular", "archived"] as const;
export type ThreadStatus = (typeof threadStatuses)[number];

/** A thread as the API returns it (dates as ISO strings). */
export type ThreadJson = {
  id: string;
  title: string | null;
  status: ThreadStatus;
  model: string | null;
  createdAt: string;
  updatedAt: string;
  lastMessageAt: string | null;
  /** The workspace it was started in; null: the author's personal space. */
  workspaceId: string | null;
  /** The project it is in (always one of its own space); null: none. */
  projectId: string | null;
  /** When its author pinned it to the top of their list; null: not pinned (always null for a reader who is not its author). */
  pinnedAt: string | null;
  /** Shared with the workspace's members (read-only for them). */
  shared: boolean;
  /** The caller wrote it; false: a thread shared with them, which they can read and copy only. */
  own: boolean;
  /** Who wrote it, when it is not the caller's own. */
  authorName: string | null;
};
