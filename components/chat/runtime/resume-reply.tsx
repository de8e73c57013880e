"use client";

import { useAui, useAuiState } from "@assistant-ui/react";
import { useEffect, useRef } from "react";
import { catchUpThread } from "@/components/chat/runtime/history-adapter";
import { stoppableReply } from "@/components/chat/runtime/model-adapter";
import { useRuntimeCache } from "@/components/chat/runtime/runtime-cache";
import { useOwnThread } from "@/components/chat/runtime/thread-owner";
import { api } from "@/lib/client/api-client";

/** Resolves when the thread has no reply in progress (its recording ends once the reply is stored). */
async function untilReplyEnds(threadId: string) {
  const { reply } = await api.followReply(threadId, AbortSignal.timeout(30_000));
  if (reply) await new Response(reply.body).arrayBuffer();
}

/**
 * A reply the server is still writing for the open thread (this tab was reloaded, or it is
 * another tab or device): shown from its start and followed live. When it ends, the thread is
 * loaded again, so it holds the stored reply under the server's id.
 */
export function ResumeReply() {
  const aui = useAui();
  const cache = useRuntimeCache();
  const remoteId = useAuiState((s) => s.threadListItem.remoteId);
  const ready = useAuiState((s) => !s.thread.isLoading && !s.thread.isRunning);
  // A reply in someone else's shared thread is theirs: a reader sees the stored messages only.
  const own = useOwnThread();
  const checked = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (!remoteId || !ready || !own || checked.current === remoteId) return;
    checked.current = remoteId;
    const threadId = remoteId;
    // Cancelled if the thread is left before the reply is handed over; once it is, the run owns it.
    const cancel = new AbortController();
    let handedOver = false;
    const heldAtCheck = aui.thread().getState().messages.length;
    void api.followReply(threadId, cancel.signal).then(
      ({ reply, lastMessageAt }) => {
        if (cancel.signal.aborted) return;
        const thread = aui.thread();
        if (!reply) {
          // Something was stored after this page's messages were read: put in what the runtime lacks.
          const read = cache.readUpTo.get(threadId);
          if (read !== undefined && lastMessageAt && lastMessageAt > read)
            void catchUpThread(aui, cache, threadId, heldAtCheck).catch(() => {});
          return;
        }
        handedOver = true;
        const ids = new Set(thread.getState().messages.map((m) => m.id));
        // Already here (this tab sent it), or its question is on no loaded branch: nothing to add.
        if (ids.has(reply.replyId) || !ids.has(reply.parentId)) return void reply.body.cancel();
        thread.resumeRun({
          parentId: reply.parentId,
          stream: async function* ({ abortSignal, unstable_assistantMessageId }) {
            if (unstable_assistantMessageId) cache.followedReplies.add(unstable_assistantMessageId);
            try {
              yield* stoppableReply(reply.body, abortSignal, threadId);
            } finally {
              void (async () => {
                // Stopped here: the server stops within moments; the thread is read again once it has stored the reply.
                if (abortSignal.aborted) await untilReplyEnds(threadId);
                await aui.threads.reloadMainThread();
              })().catch(() => {});
            }
          },
        });
      },
      () => {},
    );
    return () => {
      if (!handedOver) cancel.abort();
    };
  }, [aui, cache, remoteId, ready, own]);
  return null;
}
