"use client";

import {
  AssistantRuntimeProvider,
  fromThreadMessageLike,
  useAui,
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
import { createContext, useContext, useMemo, useRef, useState, type ReactNode } from "react";
import { api, type ApiThread } from "@/lib/api-client";
import { fromUIMessage, messageFormat, toUIMessage, type ReplyCustomMetadata } from "@/lib/chat-messages";
import { readAll } from "@/lib/streams";

type RemoteThreadMetadata = Awaited<ReturnType<RemoteThreadListAdapter["fetch"]>>;

const toMetadata = (t: ApiThread): RemoteThreadMetadata => ({
  remoteId: t.id,
  status: t.status,
  title: t.title ?? undefined,
  lastMessageAt: t.lastMessageAt ? new Date(t.lastMessageAt) : undefined,
});

/**
 * assistant-ui keeps one list with both statuses, while the API pages each status on its own
 * index. The adapter's cursor carries both positions; null means that status is exhausted.
 */
type ListCursor = { regular: string | null; archived: string | null };

function useThreadHistory(): ThreadHistoryAdapter {
  const aui = useAui();
  return useMemo<ThreadHistoryAdapter>(
    () => ({
      async load() {
        const remoteId = aui.threadListItem().getState().remoteId;
        if (!remoteId) return { messages: [] };
        const { messages } = await api.listMessages(remoteId);
        const items = messages
          .filter((m) => m.format === messageFormat)
          .map((m) => ({
            parentId: m.parentId,
            message: fromThreadMessageLike(fromUIMessage({ id: m.id, ...(m.content as Pick<UIMessage, "role" | "parts">) }), m.id, { type: "complete", reason: "unknown" }),
          }));
        // Messages come oldest first, so the newest one is the branch the user was last on.
        return { headId: messages.at(-1)?.id ?? null, messages: items };
      },
      // Each message once it settles: the user's when sent, a reply when it ends (also by Stop).
      async append({ parentId, message }) {
        const { remoteId } = await aui.threadListItem().initialize();
        const { id, ...content } = toUIMessage(message);
        await api.saveMessage(remoteId, { id, parentId, format: messageFormat, content });
      },
    }),
    [aui],
  );
}

function useThreadAdapters() {
  return { history: useThreadHistory() };
}

/**
 * Sends the branch to /api/chat and turns the AI SDK UI message stream it answers with into
 * assistant-ui updates, with assistant-stream's decoder; errors arrive as an error status.
 */
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
      },
    }),
    [aui, pickedModel],
  );
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
  async generateTitle(remoteId, messages) {
    // The server makes and saves the title; the first message's text goes along because this
    // runs as soon as the message shows, possibly before /api/chat has stored it.
    const first = messages.find((m) => m.role === "user");
    const text = first?.content.flatMap((part) => (part.type === "text" ? [part.text] : [])).join("\n");
    const { title } = await api.generateTitle(remoteId, text?.slice(0, 4000));
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

export function ChatRuntimeProvider({ children, models }: { children: ReactNode; models: string[] }) {
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
      return useLocalRuntime(useChatModel(pickedModel));
    };
  }, [models]);
  const runtime = useRemoteThreadListRuntime({ adapter: threadListAdapter, runtimeHook });
  return (
    <ModelPickerContext.Provider value={picker}>
      <AssistantRuntimeProvider runtime={runtime}>{children}</AssistantRuntimeProvider>
    </ModelPickerContext.Provider>
  );
}
