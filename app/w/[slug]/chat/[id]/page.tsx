import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { ChatShell } from "@/components/chat/chat-shell";
import { readChatShellState, workspaceForSlug } from "@/app/chat-shell-state";
import { loadThread, threadAddress } from "@/app/thread-page-state";
import { ThreadView } from "@/components/chat/thread-view";
import { signInPathFor } from "@/lib/auth/safe-redirect";
import { getPageSession } from "@/lib/http/caller";
import { threadJson } from "@/lib/chat/threads";

type Props = { params: Promise<{ slug: string; id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const loaded = await loadThread((await params).id);
  return { title: loaded ? loaded.thread.title || "New chat" : "Not found" };
}

/**
 * `/w/:slug/chat/:id`: a thread of a workspace, rendered on the server with its messages. A
 * workspace the person is not in, and a thread they may not see, are the 404 page; a thread of
 * another space goes to its own address.
 */
export default async function WorkspaceThreadPage({ params }: Props) {
  const { slug, id } = await params;
  const session = await getPageSession();
  if (!session) redirect(signInPathFor(`/w/${slug}/chat/${id}`));
  const workspace = await workspaceForSlug(session.user.id, slug);
  const loaded = await loadThread(id);
  if (!loaded) notFound();
  if (loaded.thread.workspaceId !== workspace.id) redirect(await threadAddress(session.user.id, loaded.thread));
  return (
    <ChatShell state={await readChatShellState({ slug })}>
      <ThreadView
        initial={{ id: loaded.thread.id, messagesJson: loaded.messagesJson, thread: threadJson(loaded.thread) }}
      />
    </ChatShell>
  );
}
