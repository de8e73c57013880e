"use client";

import { useAui, useAuiState } from "@assistant-ui/react";
import { usePathname } from "next/navigation";
import { useEffect, useRef } from "react";
import { threadIdFromPath, threadPath } from "@/lib/shared/chat-messages";

/**
 * Keeps the address and the open thread in step, both ways:
 * - the address moves (a page load, Back, Forward, a link): the runtime opens that thread;
 * - the runtime moves (a thread picked in the list or search, New thread): a history entry is
 *   pushed; a new thread getting its id with its first message replaces the entry instead.
 * Native history calls keep the runtime and a reply streaming in it; Next.js keeps
 * `usePathname` in step with them. Addresses stay in the page's space (`spacePath`: "" for the
 * personal space, `/w/:slug` for a workspace).
 */
export function ThreadUrlSync({ spacePath }: { spacePath: string }) {
  const aui = useAui();
  const pathname = usePathname();
  const urlId = threadIdFromPath(pathname);
  const mainId = useAuiState((s) => s.threads.mainThreadId);
  const remoteId = useAuiState((s) => s.threadListItem.remoteId) ?? null;
  const isNew = useAuiState((s) => s.threadListItem.status === "new");
  const title = useAuiState((s) => s.threadListItem.title);
  const seen = useRef<{ urlId: string | null; mainId: string; remoteId: string | null } | null>(null);

  useEffect(() => {
    const before = seen.current;
    seen.current = { urlId, mainId, remoteId };
    if (!before || urlId !== before.urlId) {
      if (urlId === remoteId) return;
      // An archived thread opens as it is (read, with Unarchive), not unarchived by opening it.
      if (urlId) aui.threads.switchToThread(urlId, { unarchive: false });
      else if (!isNew) aui.threads.switchToNewThread();
      return;
    }
    if (mainId === before.mainId && remoteId === before.remoteId) return;
    // A thread being opened has no remote id for a moment; only a new thread belongs at the space's own address.
    if (!remoteId && !isNew) return;
    const target = threadPath(remoteId, spacePath);
    if (target === pathname) return;
    const gotItsId = mainId === before.mainId && !before.remoteId && remoteId;
    if (gotItsId) window.history.replaceState(null, "", target);
    else window.history.pushState(null, "", target);
  }, [aui, pathname, urlId, mainId, remoteId, isNew, spacePath]);

  // The tab names the open thread, as the server-rendered page does.
  useEffect(() => {
    if (urlId && urlId === remoteId) document.title = title || "New chat";
    else if (!urlId) document.title = "Threadkeeper";
  }, [urlId, remoteId, title]);

  return null;
}
