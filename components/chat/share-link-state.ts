"use client";

import { useEffect, useState } from "react";
import { api } from "@/lib/client/api-client";
import type { ShareAudience, ShareLinkJson } from "@/lib/shared/share-links";

// Apart from ShareLinkControl: the controls read the link's state at once, and load the panel
// (components/chat/share-link-control.tsx) only when the thread has something to show in it.
export type LinkState = { threadId: string; link: ShareLinkJson | null; audiences: ShareAudience[] };

/**
 * The open thread's share link, for its author: read from GET /api/threads/:id/link, and null
 * until it is (or for a thread that is not the caller's). No audiences: links are off here.
 */
export function useShareLink(threadId: string | null) {
  const [state, setState] = useState<LinkState | null>(null);
  useEffect(() => {
    if (!threadId) return;
    let current = true;
    api.getShareLink(threadId).then(
      (found) => current && setState({ threadId, ...found }),
      () => {},
    );
    return () => {
      current = false;
    };
  }, [threadId]);
  const forThread = state?.threadId === threadId ? state : null;
  return [forThread, setState] as const;
}
