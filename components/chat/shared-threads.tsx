"use client";

import { useAui, useAuiState } from "@assistant-ui/react";
import { usePathname } from "next/navigation";
import { useEffect, useState } from "react";
import { readInSpace, usePageSpace } from "@/components/chat/runtime/space-guard";
import { api, ApiClientError, type ApiThread } from "@/lib/client/api-client";

const focusRing = "focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-zinc-500";

type Shared = { threads: ApiThread[]; workspaceId: string | null };

/**
 * The sidebar's "Shared" section: the active workspace's threads other members share with the
 * caller (GET /api/threads/shared), with their authors' names. Nothing in the personal space.
 * Read again whenever the address or the thread list changes (a thread opened, another space)
 * and when the tab comes back into focus, so a thread its author stopped sharing drops out.
 */
export function SharedThreads() {
  const aui = useAui();
  const pathname = usePathname();
  const openId = useAuiState((s) => s.threadListItem.remoteId);
  const listLoading = useAuiState((s) => s.threads.isLoading);
  const space = usePageSpace();
  const [shared, setShared] = useState<Shared | null>(null);
  const [reads, setReads] = useState(0);

  useEffect(() => {
    if (listLoading) return;
    let current = true;
    // The server lists the session's active space: another space's shared threads are never shown.
    readInSpace(
      space,
      () => api.listSharedThreads(),
      (page) => [page.workspaceId],
    ).then(
      (page) => current && setShared(page),
      () => {},
    );
    return () => {
      current = false;
    };
  }, [pathname, listLoading, reads, space]);

  useEffect(() => {
    const again = () => document.visibilityState === "visible" && setReads((n) => n + 1);
    window.addEventListener("focus", again);
    return () => window.removeEventListener("focus", again);
  }, []);

  if (!shared || shared.workspaceId === null) return null;
  const open = async (id: string) => {
    // Gone since the list was read (no longer shared): the list is read again instead.
    const found = await api.getThread(id).catch((error: unknown) => {
      if (error instanceof ApiClientError && error.status === 404) return null;
      throw error;
    });
    if (found) aui.threads.switchToThread(id, { unarchive: false });
    else setReads((n) => n + 1);
  };
  return (
    <section
      aria-labelledby="shared-threads-heading"
      className="mt-4 border-t border-zinc-200 pt-2 dark:border-zinc-800"
    >
      <h2 id="shared-threads-heading" className="px-2 pt-1 text-xs font-medium text-zinc-500 dark:text-zinc-400">
        Shared
      </h2>
      {shared.threads.length === 0 ? (
        <p className="px-2 py-1 text-sm text-zinc-500 dark:text-zinc-400">Nothing shared with you yet.</p>
      ) : (
        <ul className="mt-1 space-y-0.5">
          {shared.threads.map((t) => (
            <li key={t.id}>
              <button
                type="button"
                data-thread-trigger
                aria-current={openId === t.id ? "page" : undefined}
                onClick={() => void open(t.id).catch(() => {})}
                className={`flex w-full flex-col rounded-md px-2 py-1.5 text-left text-sm hover:bg-zinc-100 aria-[current=page]:bg-zinc-200 aria-[current=page]:font-medium pointer-coarse:min-h-11 dark:hover:bg-zinc-900 dark:aria-[current=page]:bg-zinc-800 ${focusRing}`}
              >
                <span className="w-full truncate">{t.title || "New chat"}</span>
                <span className="w-full truncate text-xs font-normal text-zinc-500 dark:text-zinc-400">
                  by {t.authorName}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
