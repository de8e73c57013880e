"use client";

import { useAuiState } from "@assistant-ui/react";
import type { ApiThread } from "@/lib/client/api-client";

/**
 * Whose thread the runtime holds. A thread shared with the caller opens in the chat runtime like
 * their own (its address, its messages), but read-only: the runtime's thread item carries who
 * wrote it in `custom`, set by the thread list adapter from the API's thread (with when the caller
 * pinned it, for the sidebar's "Pinned"). A thread made in this tab has no `custom` yet, and is
 * the caller's own, not pinned.
 */
export const threadCustom = (t: ApiThread) => ({ own: t.own, authorName: t.authorName, pinnedAt: t.pinnedAt });

/** False while the open thread is someone else's, shared with the caller (read-only). */
export const useOwnThread = () => useAuiState((s) => s.threadListItem.custom?.own !== false);

/** The author's name of the open thread when it is someone else's; null for the caller's own. */
export const useSharedBy = () =>
  useAuiState((s) =>
    s.threadListItem.custom?.own === false ? String(s.threadListItem.custom.authorName ?? "") || null : null,
  );
