import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { z } from "zod";
import { ChatShell } from "@/components/chat/chat-shell";
import { readChatShellState } from "@/app/chat-shell-state";
import { ThreadView } from "@/components/chat/thread-view";
import { signInPathFor } from "@/lib/auth/safe-redirect";
import { getPageSession } from "@/lib/http/caller";
import { threadJson, threads } from "@/lib/chat/threads";

type Props = { params: Promise<{ id: string }> };

/**
 * The thread and its messages for the signed-in caller (its author, or a member it is shared
 * with: the shared branch, read-only), or null: a malformed id, a missing thread and a thread
 * they may not see are the same null, so they get the same 404 page. Shared by the page
 * and its metadata, so it runs once per request.
 */
const loadThread = cache(async (id: string) => {
  const session = await getPageSession();
  if (!session || !z.uuid().safeParse(id).success) return null;
  const thread = await threads.getThreadForUser(session.user.id, id);
  if (!thread) return null;
  const messagesJson = await threads.messagesJsonForUser(session.user.id, id);
  return messagesJson === null ? null : { thread, messagesJson };
});

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const loaded = await loadThread((await params).id);
  return { title: loaded ? loaded.thread.title || "New chat" : "Not found" };
}

/** `/chat/:id`: rendered on the server with the thread's messages, so they are there at first paint. */
export default async function ThreadPage({ params }: Props) {
  const { id } = await params;
  // A cookie the database no longer knows (signed out elsewhere, revoked): sign in, then come back.
  if (!(await getPageSession())) redirect(signInPathFor(`/chat/${id}`));
  const loaded = await loadThread(id);
  if (!loaded) notFound();
  return (
    <ChatShell state={await readChatShellState()}>
      <ThreadView
        initial={{ id: loaded.thread.id, messagesJson: loaded.messagesJson, thread: threadJson(loaded.thread) }}
      />
    </ChatShell>
  );
}
