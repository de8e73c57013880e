"use client";

import { useAuiState } from "@assistant-ui/react";
import { useEffect } from "react";
import { useModelPicker } from "@/components/chat/runtime/model-picker";
import { useOwnThread } from "@/components/chat/runtime/thread-owner";
import { api } from "@/lib/client/api-client";
import { useHydrated } from "@/lib/client/use-hydrated";

/** Picks the model for the open thread; shown only when OPENAI_MODELS offers a choice. */
export function ModelSelect() {
  const { models, selected, select, choose } = useModelPicker();
  const remoteId = useAuiState((s) => s.threadListItem.remoteId);
  const own = useOwnThread();
  const hydrated = useHydrated();

  // Opening a saved thread shows the model stored for it.
  useEffect(() => {
    if (!remoteId || models.length < 2) return;
    let current = true;
    api.getThread(remoteId).then(
      (thread) => current && select(thread.model && models.includes(thread.model) ? thread.model : models[0]),
      () => {},
    );
    return () => {
      current = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only when another thread opens
  }, [remoteId]);

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
