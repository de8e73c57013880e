"use client";

import {
  AssistantRuntimeProvider,
  fromThreadMessageLike,
  useAui,
  useAuiState,
  useLocalRuntime,
  useRemoteThreadListRuntime,
  type ChatModelAdapter,
  type ChatModelRunResult,
  type RemoteThreadListAdapter,
  type ThreadHistoryAdapter,
} from "@assistant-ui/react";
import {
  AssistantMessageAccumulator,
  createAssistantStream,
  UIMessageStreamDecoder,
  type AssistantMessage,
  type AssistantStreamChunk,
} from "assistant-stream";
import type { UIMessage } from "ai";
import { createContext, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { createAttachmentAdapter, type AttachmentLimits } from "@/components/chat/attachment-adapter";
import { api, type ApiMessage, type ApiThread } from "@/lib/client/api-client";
import { fromUIMessage, messageFormat, toUIMessage, type ReplyCustomMetadata } from "@/lib/shared/chat-messages";
import { readAll } from "@/lib/shared/streams";

type RemoteThreadMetadata = Awaited<ReturnType<RemoteThreadListAdapter["fetch"]>>;

const toMetadata = (t: ApiThread): RemoteThreadMetadata => ({
  remoteId: t.id,
  status: t.status,
  title: t.title ?? undefined,
  // Last activity, for the list's Today / Yesterday / ... groups; a thread with no message yet counts from its last change.
  lastMessageAt: new Date(t.lastMessageAt ?? t.updatedAt),
});

/**
 * assistant-ui keeps one list with both statuses, while the API pages each status on its own
 * index. The adapter's cursor carries both positions; null means that status is exhausted.
 */
type ListCursor = { regular: string | null; archived: string | null };

// Messages a server-rendered /chat/:id page already holds, so opening it needs no second request.
const primedHistory = new Map<string, string>();
const everPrimed = new Set<string>();

/** Hands the server-read messages of a thread to its first history load; later loads fetch fresh ones. */
export function primeThreadHistory(threadId: string, messagesJson: string) {
  if (everPrimed.has(threadId)) return;
  everPrimed.add(threadId);
  primedHistory.set(threadId, messagesJson);
}

// The newest message each thread had when it was last read, to tell whether it has changed since.
const readUpTo = new Map<string, string>();

async function loadMessages(threadId: string): Promise<ApiMessage[]> {
  const primed = primedHistory.get(threadId);
  primedHistory.delete(threadId);
  const messages = primed ? (JSON.parse(primed) as { messages: ApiMessage[] }).messages : (await api.listMessages(threadId)).messages;
  const newest = messages.reduce((max, m) => (m.createdAt && m.createdAt > max ? m.createdAt : max), "");
  readUpTo.set(threadId, newest ? new Date(newest).toISOString() : "");
  return messages;
}

/** A reply the model failed shows its error again after a reload, as it did live. */
const storedStatus = (status: string | undefined) =>
  status === "error"
    ? ({ type: "incomplete", reason: "error", error: "The model could not answer this message." } as const)
    : ({ type: "complete", reason: "unknown" } as const);

/** Runs what it is given one after another, in the order given, whether or not the last one failed. */
function serially() {
  let last: Promise<unknown> = Promise.resolve();
  return <T,>(run: () => Promise<T>): Promise<T> => {
    const next = last.catch(() => {}).then(run);
    last = next;
    return next;
  };
}

function useThreadHistory(): ThreadHistoryAdapter {
  const aui = useAui();
  return useMemo<ThreadHistoryAdapter>(() => {
    // Copies go to the server one after another: a reply's copy must not overtake its parent's
    // (a message's parent has to be stored first, or the copy is refused).
    const inOrder = serially();
    return {
      async load() {
        const remoteId = aui.threadListItem().getState().remoteId;
        if (!remoteId) return { messages: [] };
        const messages = await loadMessages(remoteId);
        const items = messages
          .filter((m) => m.format === messageFormat)
          .map((m) => ({
            parentId: m.parentId,
            message: fromThreadMessageLike(fromUIMessage({ id: m.id, ...(m.content as Pick<UIMessage, "role" | "parts">) }), m.id, storedStatus(m.status)),
          }));
        // Messages come oldest first, so the newest one is the branch the user was last on.
        return { headId: messages.at(-1)?.id ?? null, messages: items };
      },
      // Each message once it settles: the user's when sent, a reply when it ends (also by Stop).
      async append({ parentId, message }) {
        if (followedReplies.delete(message.id)) return;
        const { remoteId } = await aui.threadListItem().initialize();
        const { id, ...content } = toUIMessage(message);
        await inOrder(() => api.saveMessage(remoteId, { id, parentId, format: messageFormat, content }));
      },
    };
  }, [aui]);
}

function useThreadAdapters() {
  return { history: useThreadHistory() };
}

/**
 * Turns an AI SDK UI message stream (server-sent events) into assistant-ui updates, with
 * assistant-stream's decoder; errors arrive as an error status.
 */
async function* replyUpdates(body: ReadableStream<Uint8Array>): AsyncGenerator<ChatModelRunResult> {
  const custom: ReplyCustomMetadata = {};
  const replies = body
    .pipeThrough(new UIMessageStreamDecoder())
    .pipeThrough(
      new TransformStream<AssistantStreamChunk, AssistantStreamChunk>({
        transform(chunk, controller) {
          if (chunk.type === "message-finish") custom.finishReason = chunk.finishReason;
          controller.enqueue(chunk);
        },
      }),
    )
    .pipeThrough(new AssistantMessageAccumulator());
  for await (const reply of readAll<AssistantMessage>(replies)) {
    yield { content: reply.parts, status: reply.status, metadata: { custom: { ...custom } } } as ChatModelRunResult;
  }
}

/**
 * Shows a reply as it streams, and while it does, Stop (an abort) asks the server to abort the
 * model request too; a closed tab sends nothing, so its reply goes on. Once the reply has ended
 * an abort asks nothing: it is the runtime being replaced (the thread read again), and a stop sent
 * then could end the next reply in the thread.
 */
async function* stoppableReply(body: ReadableStream<Uint8Array>, signal: AbortSignal, threadId: string): AsyncGenerator<ChatModelRunResult> {
  const stop = () => void api.stopReply(threadId).catch(() => {});
  signal.addEventListener("abort", stop, { once: true });
  try {
    yield* replyUpdates(body);
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

/** Sends the branch to /api/chat and shows the reply as it streams. */
function useChatModel(pickedModel: () => string | undefined): ChatModelAdapter {
  const aui = useAui();
  return useMemo<ChatModelAdapter>(
    () => ({
      async *run({ messages, abortSignal, unstable_assistantMessageId }) {
        const { remoteId } = await aui.threadListItem().initialize();
        const body = await api.chat(
          {
            id: remoteId,
            replyId: unstable_assistantMessageId,
            messages: messages.map(toUIMessage),
            model: pickedModel(),
          },
          abortSignal,
        );
        yield* stoppableReply(body, abortSignal, remoteId);
      },
    }),
    [aui, pickedModel],
  );
}

/** Resolves when the thread has no reply in progress (its recording ends once the reply is stored). */
async function untilReplyEnds(threadId: string) {
  const { reply } = await api.followReply(threadId, AbortSignal.timeout(30_000));
  if (reply) await new Response(reply.body).arrayBuffer();
}

// Replies shown by following the server's recording: the server stores them, not this tab.
const followedReplies = new Set<string>();

/**
 * A reply the server is still writing for the open thread (this tab was reloaded, or it is
 * another tab or device): shown from its start and followed live. When it ends, the thread is
 * loaded again, so it holds the stored reply under the server's id.
 */
export function ResumeReply() {
  const aui = useAui();
  const remoteId = useAuiState((s) => s.threadListItem.remoteId);
  const ready = useAuiState((s) => !s.thread.isLoading && !s.thread.isRunning);
  const checked = useRef<string | undefined>(undefined);
  useEffect(() => {
    if (!remoteId || !ready || checked.current === remoteId) return;
    checked.current = remoteId;
    const threadId = remoteId;
    // Cancelled if the thread is left before the reply is handed over; once it is, the run owns it.
    const cancel = new AbortController();
    let handedOver = false;
    void api.followReply(threadId, cancel.signal).then(
      ({ reply, lastMessageAt }) => {
        if (cancel.signal.aborted) return;
        const thread = aui.thread();
        if (!reply) {
          // A reply was stored between this page's messages being read and now: read them again.
          const read = readUpTo.get(threadId);
          if (read !== undefined && lastMessageAt && lastMessageAt > read) void aui.threads.reloadMainThread().catch(() => {});
          return;
        }
        handedOver = true;
        const ids = new Set(thread.getState().messages.map((m) => m.id));
        // Already here (this tab sent it), or its question is on no loaded branch: nothing to add.
        if (ids.has(reply.replyId) || !ids.has(reply.parentId)) return void reply.body.cancel();
        thread.resumeRun({
          parentId: reply.parentId,
          stream: async function* ({ abortSignal, unstable_assistantMessageId }) {
            if (unstable_assistantMessageId) followedReplies.add(unstable_assistantMessageId);
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
  }, [aui, remoteId, ready]);
  return null;
}

const threadListAdapter: RemoteThreadListAdapter = {
  async list(params) {
    const cursor: ListCursor = params?.after ? JSON.parse(params.after) : { regular: "", archived: "" };
    const page = async (status: "regular" | "archived", after: string | null) =>
      after === null ? { threads: [], nextCursor: null } : api.listThreads({ status, after: after || undefined });
    const [regular, archived] = await Promise.all([page("regular", cursor.regular), page("archived", cursor.archived)]);
    const next: ListCursor = { regular: regular.nextCursor, archived: archived.nextCursor };
    return {
      threads: [...regular.threads, ...archived.threads].map(toMetadata),
      nextCursor: next.regular === null && next.archived === null ? undefined : JSON.stringify(next),
    };
  },
  async initialize() {
    const thread = await api.createThread();
    return { remoteId: thread.id };
  },
  async rename(remoteId, title) {
    await api.updateThread(remoteId, { title });
  },
  async archive(remoteId) {
    await api.updateThread(remoteId, { status: "archived" });
  },
  async unarchive(remoteId) {
    await api.updateThread(remoteId, { status: "regular" });
  },
  async delete(remoteId) {
    await api.deleteThread(remoteId);
  },
  async fetch(remoteId) {
    return toMetadata(await api.getThread(remoteId));
  },
  async generateTitle(remoteId) {
    // The server makes and saves the title from the first message it stored (once per thread).
    const { title } = await api.generateTitle(remoteId);
    return createAssistantStream((controller) => {
      controller.appendText(title ?? "");
    });
  },
  unstable_useAdapters: useThreadAdapters,
};

type ModelPicker = { models: string[]; selected: string; select: (model: string) => void };
const ModelPickerContext = createContext<ModelPicker>({ models: [], selected: "", select: () => {} });

/** The models offered and the one picked for the open thread (see ModelSelect). */
export const useModelPicker = () => useContext(ModelPickerContext);

export function ChatRuntimeProvider({ children, models, attachmentLimits }: { children: ReactNode; models: string[]; attachmentLimits: AttachmentLimits }) {
  const [selected, setSelected] = useState(models[0] ?? "");
  // The chat model reads the pick at send time, so it is kept in a ref as well as in state.
  const selectedRef = useRef(selected);
  const picker = useMemo<ModelPicker>(
    () => ({
      models,
      selected,
      select: (model) => {
        selectedRef.current = model;
        setSelected(model);
      },
    }),
    [models, selected],
  );
  const runtimeHook = useMemo(() => {
    const pickedModel = () => (models.length > 1 ? selectedRef.current : undefined);
    return function useThreadRuntime() {
      const attachments = useMemo(() => createAttachmentAdapter(attachmentLimits), []);
      return useLocalRuntime(useChatModel(pickedModel), { adapters: { attachments } });
    };
  }, [models, attachmentLimits]);
  const runtime = useRemoteThreadListRuntime({ adapter: threadListAdapter, runtimeHook });
  return (
    <ModelPickerContext.Provider value={picker}>
      <AssistantRuntimeProvider runtime={runtime}>{children}</AssistantRuntimeProvider>
    </ModelPickerContext.Provider>
  );
}
