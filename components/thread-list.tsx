"use client";

import { AuiIf, ThreadListItemPrimitive, ThreadListPrimitive, useAui, useAuiState } from "@assistant-ui/react";
import { useState } from "react";

const smallButton =
  "rounded px-1.5 py-0.5 text-xs text-zinc-600 hover:bg-zinc-200 hover:text-zinc-900 focus-visible:outline-2 focus-visible:outline-zinc-500 dark:text-zinc-400 dark:hover:bg-zinc-700 dark:hover:text-zinc-100";

export function ThreadList() {
  const [view, setView] = useState<"chats" | "archived">("chats");
  return (
    <ThreadListPrimitive.Root className="flex h-full flex-col gap-2 p-2">
      <ThreadListPrimitive.New className="rounded-md border border-zinc-300 px-3 py-2 text-left text-sm font-medium hover:bg-zinc-100 focus-visible:outline-2 focus-visible:outline-zinc-500 dark:border-zinc-700 dark:hover:bg-zinc-800">
        New thread
      </ThreadListPrimitive.New>
      <div className="flex gap-1 text-sm" role="group" aria-label="Which threads">
        {(["chats", "archived"] as const).map((v) => (
          <button
            key={v}
            type="button"
            aria-pressed={view === v}
            onClick={() => setView(v)}
            className="flex-1 rounded-md px-2 py-1 aria-pressed:bg-zinc-200 aria-pressed:font-medium dark:aria-pressed:bg-zinc-800"
          >
            {v === "chats" ? "Chats" : "Archived"}
          </button>
        ))}
      </div>
      <div className="-mx-2 flex-1 overflow-y-auto px-2">
        <AuiIf condition={(s) => s.threads.isLoading}>
          <p className="px-2 py-1 text-sm text-zinc-500" role="status">
            Loading threads…
          </p>
        </AuiIf>
        <ul className="space-y-0.5">
          <ThreadListPrimitive.Items archived={view === "archived"} components={{ ThreadListItem }} />
        </ul>
        <AuiIf condition={(s) => s.threads.hasMore}>
          <ThreadListPrimitive.LoadMore className="mt-2 w-full rounded-md px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 dark:text-zinc-400 dark:hover:bg-zinc-800">
            Load more
          </ThreadListPrimitive.LoadMore>
        </AuiIf>
      </div>
    </ThreadListPrimitive.Root>
  );
}

function ThreadListItem() {
  const aui = useAui();
  const title = useAuiState((s) => s.threadListItem.title) || "New chat";
  const archived = useAuiState((s) => s.threadListItem.status === "archived");
  const [mode, setMode] = useState<"view" | "rename" | "confirm-delete">("view");

  const saveTitle = (value: string) => {
    const next = value.trim();
    if (next && next !== title) aui.threadListItem().rename(next);
    setMode("view");
  };

  return (
    <li>
      <ThreadListItemPrimitive.Root className="group rounded-md px-2 py-1.5 text-sm hover:bg-zinc-100 data-active:bg-zinc-200 dark:hover:bg-zinc-900 dark:data-active:bg-zinc-800">
        {mode === "rename" ? (
          <input
            aria-label="Thread title"
            defaultValue={title}
            autoFocus
            maxLength={200}
            className="w-full rounded border border-zinc-400 bg-white px-1.5 py-0.5 dark:bg-zinc-900"
            onKeyDown={(e) => {
              if (e.key === "Enter") saveTitle(e.currentTarget.value);
              if (e.key === "Escape") setMode("view");
            }}
            onBlur={(e) => mode === "rename" && saveTitle(e.currentTarget.value)}
          />
        ) : (
          <ThreadListItemPrimitive.Trigger data-thread-trigger className="block w-full truncate text-left">
            <ThreadListItemPrimitive.Title fallback="New chat" />
          </ThreadListItemPrimitive.Trigger>
        )}
        {mode === "confirm-delete" ? (
          <div className="mt-1 flex items-center gap-1" role="group" aria-label={`Delete ${title}?`}>
            <span className="mr-auto text-xs text-red-700 dark:text-red-400">Delete this thread?</span>
            <ThreadListItemPrimitive.Delete className={`${smallButton} text-red-700 dark:text-red-400`}>
              Confirm delete
            </ThreadListItemPrimitive.Delete>
            <button type="button" className={smallButton} onClick={() => setMode("view")}>
              Cancel
            </button>
          </div>
        ) : (
          // Always visible on touch screens; on wider screens faded in on hover or keyboard focus
          // (opacity, not display, so they stay reachable by keyboard and assistive technology).
          <div className="mt-1 flex gap-1 md:opacity-0 md:group-focus-within:opacity-100 md:group-hover:opacity-100">
            <button type="button" aria-label={`Rename ${title}`} className={smallButton} onClick={() => setMode("rename")}>
              Rename
            </button>
            {archived ? (
              <ThreadListItemPrimitive.Unarchive aria-label={`Unarchive ${title}`} className={smallButton}>
                Unarchive
              </ThreadListItemPrimitive.Unarchive>
            ) : (
              <ThreadListItemPrimitive.Archive aria-label={`Archive ${title}`} className={smallButton}>
                Archive
              </ThreadListItemPrimitive.Archive>
            )}
            <button type="button" aria-label={`Delete ${title}`} className={smallButton} onClick={() => setMode("confirm-delete")}>
              Delete
            </button>
          </div>
        )}
      </ThreadListItemPrimitive.Root>
    </li>
  );
}
