import { ChatShell } from "@/components/chat/chat-shell";
import { ThreadView } from "@/components/chat/thread-view";

/** `/`: a new, empty thread; its address becomes /chat/:id once the first message is sent. */
export default function NewThreadPage() {
  return (
    <ChatShell>
      <ThreadView initial={null} />
    </ChatShell>
  );
}
