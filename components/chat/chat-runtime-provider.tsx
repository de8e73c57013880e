"use client";

import { AssistantRuntimeProvider, useLocalRuntime, useRemoteThreadListRuntime } from "@assistant-ui/react";
import { useMemo, useState, type ReactNode } from "react";
import { createAttachmentAdapter, type AttachmentLimits } from "@/components/chat/attachment-adapter";
import { useChatModel } from "@/components/chat/runtime/model-adapter";
import { ModelPickerContext, useModelPickerState } from "@/components/chat/runtime/model-picker";
import { createRuntimeCache, RuntimeCacheContext } from "@/components/chat/runtime/runtime-cache";
import { createThreadListAdapter } from "@/components/chat/runtime/thread-list-adapter";

/**
 * The chat runtime of one space (`workspaceId`, null: personal): assistant-ui's thread list on the
 * API (components/chat/runtime/), one local runtime per thread talking to /api/chat, and the model
 * picker. Its cache and thread list adapter are made once per provider, and the provider is made
 * once per space (ChatApp keys it by the space), so nothing read in one space is shown in another.
 */
export function ChatRuntimeProvider({
  children,
  models,
  attachmentLimits,
  workspaceId,
}: {
  children: ReactNode;
  models: string[];
  attachmentLimits: AttachmentLimits;
  workspaceId: string | null;
}) {
  const [cache] = useState(createRuntimeCache);
  const [threadList] = useState(() => createThreadListAdapter(cache, workspaceId));
  const { picker, pickedModel } = useModelPickerState(models, workspaceId);
  const runtimeHook = useMemo(
    () =>
      function useThreadRuntime() {
        const attachments = useMemo(() => createAttachmentAdapter(attachmentLimits), []);
        return useLocalRuntime(useChatModel(pickedModel, cache), { adapters: { attachments } });
      },
    [pickedModel, attachmentLimits, cache],
  );
  const runtime = useRemoteThreadListRuntime({ adapter: threadList, runtimeHook });
  return (
    <RuntimeCacheContext.Provider value={cache}>
      <ModelPickerContext.Provider value={picker}>
        <AssistantRuntimeProvider runtime={runtime}>{children}</AssistantRuntimeProvider>
      </ModelPickerContext.Provider>
    </RuntimeCacheContext.Provider>
  );
}
