"use client";

import type { RemoteThreadListAdapter } from "@assistant-ui/react";
import { createAssistantStream } from "assistant-stream";
import { useThreadHistory } from "@/components/chat/runtime/history-adapter";
import { readInSpace } from "@/components/chat/runtime/space-guard";
import type { RuntimeCache } from "@/components/chat/runtime/runtime-cache";
import { threadCustom } from "@/components/chat/runtime/thread-owner";
import { api, type ApiThread } from "@/lib/client/api-client";
import { workspaceApi } from "@/lib/client/workspace-api";

type RemoteThreadMetadata = Awaited<ReturnType<RemoteThreadListAdapter["fetch"]>>;

const toMetadata = (t: ApiThread): RemoteThreadMetadata => ({
  remoteId: t.id,
  status: t.status,
  title: t.title ?? undefined,
  // Last activity, for the list's Today / Yesterday / ... groups; a thread with no message yet counts from its last change.
  lastMessageAt: new Date(t.lastMessageAt ?? t.updatedAt),
  custom: threadCustom(t),
});

/**
 * assistant-ui keeps one list with both statuses, while the API pages each status on its own
 * index. The adapter's cursor carries both positions; null means that status is exhausted. The
 * first page also brings every pinned thread (one more request: pins are capped per space), so
 * the sidebar's "Pinned" holds them however old their activity; the runtime keeps a thread
 * listed twice once, where it was first listed.
 */
type ListCursor = { regular: string | null; archived: string | null };

/**
 * The thread list on the API for one space (`workspaceId`, null: personal); each thread's history
 * reads and writes through `cache`. Made once per runtime, and a runtime is made per space.
 */
export function createThreadListAdapter(cache: RuntimeCache, workspaceId: string | null): RemoteThreadListAdapter {
  const page = async (status: "regular" | "archived", after: string | null) =>
    after === null
      ? { threads: [], nextCursor: null, workspaceId }
      : api.listThreads({ status, after: after || undefined });
  return {
    async list(params) {
      const cursor: ListCursor = params?.after ? JSON.parse(params.after) : { regular: "", archived: "" };
      const first = !params?.after;
      const pins = async () => (first ? api.listPinnedThreads() : { threads: [], nextCursor: null, workspaceId });
      // The server lists the session's active space: a page of another one is never shown.
      const [pinned, regular, archived] = await readInSpace(
        workspaceId,
        () => Promise.all([pins(), page("regular", cursor.regular), page("archived", cursor.archived)]),
        (listed) => listed.map((p) => p.workspaceId),
      );
      const next: ListCursor = { regular: regular.nextCursor, archived: archived.nextCursor };
      return {
        // Pinned last: a pinned thread the page has too keeps its place by activity (for when it is unpinned).
        threads: [...regular.threads, ...archived.threads, ...pinned.threads].map(toMetadata),
        nextCursor: next.regular === null && next.archived === null ? undefined : JSON.stringify(next),
      };
    },
    async initialize() {
      // A new thread goes to the session's active space. Another tab may have moved it: a thread
      // made elsewhere is taken back, and made again here once this page's space is active again.
      let thread = await api.createThread();
      if (thread.workspaceId !== workspaceId) {
        await api.deleteThread(thread.id).catch(() => {});
        await workspaceApi.setActive(workspaceId);
        thread = await api.createThread();
        if (thread.workspaceId !== workspaceId)
          throw new Error("The thread was made in another space: reload the page.");
      }
      return { remoteId: thread.id };
    },
    async rename(remoteId, title) {
      await api.updateThread(remoteId, { title });
    },
    async archive(remoteId) {
      await api.updateThread(remoteId, { status: "archived" });
    },
    async unarchive(remoteId) {
      await api.updateThread(remoteId, { status: "regular" });
    },
    async delete(remoteId) {
      await api.deleteThread(remoteId);
    },
    async fetch(remoteId) {
      return toMetadata(cache.takePrimedThread(remoteId) ?? (await api.getThread(remoteId)));
    },
    async generateTitle(remoteId) {
      // The server makes and saves the title from the first message it stored (once per thread).
      const { title } = await api.generateTitle(remoteId);
      return createAssistantStream((controller) => {
        controller.appendText(title ?? "");
      });
    },
    unstable_useAdapters: function useThreadAdapters() {
      return { history: useThreadHistory(cache) };
    },
  };
}
