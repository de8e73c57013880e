"use client";

import { useAui } from "@assistant-ui/react";
import { useState } from "react";
import { api } from "@/lib/client/api-client";

const button =
  "rounded-md bg-zinc-900 px-3 py-1 text-sm font-medium text-white hover:bg-zinc-700 disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900 dark:hover:bg-zinc-300";

/**
 * Above a thread someone else shares with the caller (ThreadView shows its messages read-only):
 * whose it is, and "Continue as my own copy", which copies the branch they can read into a new
 * thread of their own (POST /api/threads/:id/copy) and opens it. A thread no longer shared
 * answers 404, and the page then reloads into the not-found page (lib/client/api-client.ts).
 */
export function SharedThreadBar({ threadId, authorName }: { threadId: string; authorName: string | null }) {
  const aui = useAui();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const copy = async () => {
    setPending(true);
    setError(null);
    try {
      const copied = await api.copyThread(threadId);
      // The list first, so the copy is in it (newest first) when it opens; opening it moves the address there.
      await aui.threads.reload().catch(() => {});
      aui.threads.switchToThread(copied.id);
    } catch (thrown) {
      setError(thrown instanceof Error ? thrown.message : "The copy could not be made.");
    } finally {
      setPending(false);
    }
  };
  return (
    <div className="flex flex-wrap items-center gap-3 border-b border-zinc-200 bg-zinc-50 px-4 py-2 text-sm dark:border-zinc-800 dark:bg-zinc-900">
      <p className="mr-auto">
        <span className="font-medium">{`Shared by ${authorName ?? "a member"}`}</span>
        <span className="text-zinc-500 dark:text-zinc-400"> · read-only</span>
      </p>
      {error && (
        <p role="alert" className="text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      <button type="button" className={button} disabled={pending} onClick={() => void copy()}>
        Continue as my own copy
      </button>
    </div>
  );
}
