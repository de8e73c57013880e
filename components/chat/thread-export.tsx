"use client";

import { useAuiState } from "@assistant-ui/react";
import { useOwnThread } from "@/components/chat/runtime/thread-owner";

/** Download links for the open thread; nothing until it has been saved, nor for a thread shared with the caller (export is the author's). */
export function ThreadExport() {
  const remoteId = useAuiState((s) => s.threadListItem.remoteId);
  const own = useOwnThread();
  if (!remoteId || !own) return null;
  const link =
    "rounded-md px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100";
  return (
    <span className="flex items-center gap-1" role="group" aria-label="Export this thread">
      <a className={link} href={`/api/threads/${remoteId}/export?format=markdown`} download>
        Export Markdown
      </a>
      <a className={link} href={`/api/threads/${remoteId}/export?format=json`} download>
        Export JSON
      </a>
    </span>
  );
}
