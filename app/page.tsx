import { ChatShell } from "@/components/chat/chat-shell";
import { ThreadView } from "@/components/chat/thread-view";
import { readChatShellState } from "@/app/chat-shell-state";

/** `/`: a new, empty thread; its address becomes /chat/:id once the first message is sent. */
export default async function NewThreadPage() {
  return (
    <ChatShell state={await readChatShellState()}>
      <ThreadView initial={null} />
    </ChatShell>
  );
}
