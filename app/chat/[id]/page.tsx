import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { ChatShell } from "@/components/chat/chat-shell";
import { readChatShellState } from "@/app/chat-shell-state";
import { loadThread, threadAddress } from "@/app/thread-page-state";
import { ThreadView } from "@/components/chat/thread-view";
import { signInPathFor } from "@/lib/auth/safe-redirect";
import { getPageSession } from "@/lib/http/caller";
import { threadJson } from "@/lib/chat/threads";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const loaded = await loadThread((await params).id);
  return { title: loaded ? loaded.thread.title || "New chat" : "Not found" };
}

/**
 * `/chat/:id`: a personal thread, rendered on the server with its messages, so they are there at
 * first paint. A workspace thread's address is `/w/:slug/chat/:id`; its old links go there.
 */
export default async function ThreadPage({ params }: Props) {
  const { id } = await params;
  // A cookie the database no longer knows (signed out elsewhere, revoked): sign in, then come back.
  const session = await getPageSession();
  if (!session) redirect(signInPathFor(`/chat/${id}`));
  const loaded = await loadThread(id);
  if (!loaded) notFound();
  if (loaded.thread.workspaceId !== null) redirect(await threadAddress(session.user.id, loaded.thread));
  return (
    <ChatShell state={await readChatShellState()}>
      <ThreadView
        initial={{ id: loaded.thread.id, messagesJson: loaded.messagesJson, thread: threadJson(loaded.thread) }}
      />
    </ChatShell>
  );
}
