"use client";

import { useAui, type ChatModelAdapter, type ChatModelRunResult } from "@assistant-ui/react";
import {
  AssistantMessageAccumulator,
  UIMessageStreamDecoder,
  type AssistantMessage,
  type AssistantStreamChunk,
} from "assistant-stream";
import { useMemo } from "react";
import { contextBeforeHeld } from "@/components/chat/runtime/history-adapter";
import type { RuntimeCache } from "@/components/chat/runtime/runtime-cache";
import { api } from "@/lib/client/api-client";
import {
  contextMessageLimit,
  newestForContext,
  toUIMessage,
  type ReplyCustomMetadata,
} from "@/lib/shared/chat-messages";
import { readAll } from "@/lib/shared/streams";

/**
 * Turns an AI SDK UI message stream (server-sent events) into assistant-ui updates, with
 * assistant-stream's decoder; errors arrive as an error status.
 */
async function* replyUpdates(body: ReadableStream<Uint8Array>): AsyncGenerator<ChatModelRunResult> {
  const custom: ReplyCustomMetadata = {};
  // A tool call's approval state comes as transient data: not part of the stored reply, but the
  // reply on screen needs it, so it goes to the accumulator as data (metadata.unstable_data).
  let toAccumulator: TransformStreamDefaultController<AssistantStreamChunk> | undefined;
  const replies = body
    .pipeThrough(
      new UIMessageStreamDecoder({
        onData: ({ name, data, transient }) => {
          if (!transient) return;
          try {
            toAccumulator?.enqueue({ type: "data", path: [], data: [{ name, data }] } as AssistantStreamChunk);
          } catch {
            // The reader has gone (the run was replaced): nothing is shown any more.
          }
        },
      }),
    )
    .pipeThrough(
      new TransformStream<AssistantStreamChunk, AssistantStreamChunk>({
        start(controller) {
          toAccumulator = controller;
        },
        transform(chunk, controller) {
          if (chunk.type === "message-finish") custom.finishReason = chunk.finishReason;
          controller.enqueue(chunk);
        },
      }),
    )
    .pipeThrough(new AssistantMessageAccumulator());
  for await (const reply of readAll<AssistantMessage>(replies)) {
    yield {
      content: reply.parts,
      // The server runs every tool call itself; a reply that ends on one (the step limit) leaves the
      // browser nothing to do, and "requires-action" would make the runtime call the model again.
      status: reply.status.type === "requires-action" ? { type: "complete", reason: "unknown" } : reply.status,
      metadata: { unstable_data: reply.metadata.unstable_data, custom: { ...custom } },
    } as ChatModelRunResult;
  }
}

/**
 * Shows a reply as it streams, and while it does, Stop (an abort) asks the server to abort the
 * model request too; a closed tab sends nothing, so its reply goes on. Once the reply has ended
 * an abort asks nothing: it is the runtime being replaced (the thread read again), and a stop sent
 * then could end the next reply in the thread.
 */
export async function* stoppableReply(
  body: ReadableStream<Uint8Array>,
  signal: AbortSignal,
  threadId: string,
): AsyncGenerator<ChatModelRunResult> {
  const stop = () => void api.stopReply(threadId).catch(() => {});
  signal.addEventListener("abort", stop, { once: true });
  try {
    yield* replyUpdates(body);
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

/**
 * Sends the branch to /api/chat and shows the reply as it streams. When the runtime holds only a long
 * thread's newest part, the stored messages before that part go first, so the model is given the same
 * context as with the whole thread held (and a message at the part's first level has its stored parent).
 */
export function useChatModel(pickedModel: () => string | undefined, cache: RuntimeCache): ChatModelAdapter {
  const aui = useAui();
  return useMemo<ChatModelAdapter>(
    () => ({
      async *run({ messages, abortSignal, unstable_assistantMessageId }) {
        const { remoteId } = await aui.threadListItem().initialize();
        const held = messages.slice(-contextMessageLimit);
        const before = await contextBeforeHeld(cache, remoteId, contextMessageLimit - held.length);
        const body = await api.chat(
          {
            id: remoteId,
            replyId: unstable_assistantMessageId,
            messages: newestForContext([...before, ...held].map(toUIMessage)),
            model: pickedModel(),
          },
          abortSignal,
        );
        yield* stoppableReply(body, abortSignal, remoteId);
      },
    }),
    [aui, pickedModel, cache],
  );
}
