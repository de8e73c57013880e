import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { ChatShell } from "@/components/chat/chat-shell";
import { readChatShellState, workspaceForSlug } from "@/app/chat-shell-state";
import { ThreadView } from "@/components/chat/thread-view";
import { signInPathFor } from "@/lib/auth/safe-redirect";
import { getPageSession } from "@/lib/http/caller";

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const session = await getPageSession().catch(() => null);
  if (!session) return {};
  return { title: `${(await workspaceForSlug(session.user.id, (await params).slug)).name} · Threadkeeper` };
}

/**
 * `/w/:slug`: a new, empty thread in a workspace (the space's `/`); its address becomes
 * `/w/:slug/chat/:id` once the first message is sent. Rendering it makes the workspace the
 * session's active space; for anyone not in it, it is the 404 page.
 */
export default async function WorkspacePage({ params }: Props) {
  const { slug } = await params;
  if (!(await getPageSession())) redirect(signInPathFor(`/w/${slug}`));
  return (
    <ChatShell state={await readChatShellState({ slug })}>
      <ThreadView initial={null} />
    </ChatShell>
  );
}
