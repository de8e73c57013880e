"use client";

import { useAuiState } from "@assistant-ui/react";
import { useEffect, useRef } from "react";
import { useModelPicker } from "@/components/chat/runtime/model-picker";
import { useOwnThread } from "@/components/chat/runtime/thread-owner";
import { api } from "@/lib/client/api-client";
import { useHydrated } from "@/lib/client/use-hydrated";

/** Picks the model for the open thread; shown only when OPENAI_MODELS offers a choice. */
export function ModelSelect() {
  const { models, selected, select, choose } = useModelPicker();
  const itemId = useAuiState((s) => s.threadListItem.id);
  const remoteId = useAuiState((s) => s.threadListItem.remoteId);
  const own = useOwnThread();
  const hydrated = useHydrated();
  const opened = useRef({ itemId, remoteId });

  // Opening a saved thread shows the model stored for it. Not the thread open here being saved by
  // its first message (the same item, given an id): the picker shows its model already, and the
  // server stores it only with that message, so reading it back sooner would show the default.
  useEffect(() => {
    const previous = opened.current;
    opened.current = { itemId, remoteId };
    if (!remoteId || models.length < 2) return;
    if (previous.itemId === itemId && !previous.remoteId) return;
    let current = true;
    api.getThread(remoteId).then(
      (thread) => current && select(thread.model && models.includes(thread.model) ? thread.model : models[0]),
      () => {},
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when another thread opens
  }, [itemId, remoteId]);

  // A thread shared with the caller is read-only: its model is its author's to choose.
  if (models.length < 2 || !own) return null;
  return (
    <select
      aria-label="Model"
      value={selected}
      disabled={!hydrated}
      onChange={(event) => {
        const model = event.target.value;
        choose(model);
        if (remoteId) void api.updateThread(remoteId, { model });
      }}
      className="rounded-md border border-zinc-300 bg-white px-1 py-0.5 text-sm dark:border-zinc-700 dark:bg-zinc-900"
    >
      {models.map((m) => (
        <option key={m} value={m}>
          {m}
        </option>
      ))}
    </select>
  );
}
