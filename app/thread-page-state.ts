import "server-only";
import { notFound } from "next/navigation";
import { cache } from "react";
import { z } from "zod";
import { getPageSession } from "@/lib/http/caller";
import { threads } from "@/lib/chat/threads";
import { workspaces } from "@/lib/workspaces/workspaces";
import { spacePath } from "@/lib/shared/workspaces";
import { threadPath } from "@/lib/shared/chat-messages";

/**
 * The thread and the messages its chat runtime opens with (a long thread's newest part) for someone
 * who may see it (its author, or a member it is shared with: the shared branch, read-only), or null:
 * a malformed id, a missing thread and one they may not see are the same null, so they get the same
 * 404 page. Shared by the thread pages and their metadata, so it runs once per request.
 */
export const loadThread = cache(async (id: string) => {
  const session = await getPageSession();
  if (!session || !z.uuid().safeParse(id).success) return null;
  const thread = await threads.getThreadForUser(session.user.id, id);
  if (!thread) return null;
  const messagesJson = await threads.openingMessagesJsonForUser(session.user.id, id);
  return messagesJson === null ? null : { thread, messagesJson };
});

/**
 * A thread's own address, in its space: `/chat/:id` for a personal thread, `/w/:slug/chat/:id`
 * for one in a workspace (the 404 page when the person is not in that workspace).
 */
export async function threadAddress(userId: string, thread: { id: string; workspaceId: string | null }) {
  if (thread.workspaceId === null) return threadPath(thread.id);
  const workspace = await workspaces.membershipForUser(userId, { id: thread.workspaceId });
  if (!workspace) notFound();
  return threadPath(thread.id, spacePath(workspace));
}
