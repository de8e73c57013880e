"use client";

import { useAuiState } from "@assistant-ui/react";
import { createElement, useEffect, useState } from "react";
import { useOwnThread } from "@/components/chat/runtime/thread-owner";
import { useShareLink } from "@/components/chat/share-link-state";
import { api, type ApiThread } from "@/lib/client/api-client";
import { onDemand } from "@/lib/client/on-demand";

// The link's panel: fetched once the author has a saved thread open, not in the chat's first load.
const shareLinkControl = onDemand(() => import("@/components/chat/share-link-control"));

const button =
  "rounded-md border border-zinc-300 px-2 py-0.5 hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800";

/**
 * The author's sharing controls for the open thread: "Share with workspace" / "Stop sharing" with
 * a "Shared" badge for a workspace thread (nobody to share a personal one with), and "Share link"
 * (ShareLinkControl) for any of theirs while the instance allows links. Nothing for a thread not
 * saved yet, or someone else's. The thread's state comes from the page the server rendered when
 * it is this thread, otherwise from GET /api/threads/:id.
 */
export function ShareControl({ initial }: { initial: ApiThread | null }) {
  const remoteId = useAuiState((s) => s.threadListItem.remoteId);
  const own = useOwnThread();
  const [loaded, setLoaded] = useState<ApiThread | null>(null);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<{ id: string; text: string } | null>(null);
  const thread = loaded?.id === remoteId ? loaded : initial?.id === remoteId ? initial : null;

  useEffect(() => {
    if (!remoteId || !own || thread) return;
    let current = true;
    api.getThread(remoteId).then(
      (t) => current && setLoaded(t),
      () => {},
    );
    return () => {
      current = false;
    };
  }, [remoteId, own, thread]);

  const [linkState, setLinkState] = useShareLink(remoteId && own ? remoteId : null);
  const linkControl = shareLinkControl.useModule(!!remoteId && own);

  if (!remoteId || !own || !thread) return null;
  const workspaceThread = thread.workspaceId !== null;
  // The bar waits for the link panel's code rather than showing without its button.
  const panel = linkControl && linkControl !== "failed" ? linkControl.ShareLinkControl : null;
  const links = panel !== null && linkState !== null && linkState.audiences.length > 0;
  if (!workspaceThread && !links) return null;
  const toggle = async () => {
    setPending(true);
    setError(null);
    try {
      setLoaded(await (thread.shared ? api.unshareThread(thread.id) : api.shareThread(thread.id)));
    } catch (thrown) {
      setError({ id: thread.id, text: thrown instanceof Error ? thrown.message : "That did not work." });
    } finally {
      setPending(false);
    }
  };
  return (
    <div className="flex flex-wrap items-center justify-end gap-2 border-b border-zinc-200 px-4 py-1.5 text-sm dark:border-zinc-800">
      {error?.id === thread.id && (
        <p role="alert" className="mr-auto text-red-700 dark:text-red-400">
          {error.text}
        </p>
      )}
      {workspaceThread && thread.shared && (
        <span
          title="The members of this workspace can read this thread"
          className="rounded-full bg-emerald-100 px-2 py-0.5 text-xs font-medium text-emerald-800 dark:bg-emerald-950 dark:text-emerald-300"
        >
          Shared
        </span>
      )}
      {workspaceThread && (
        <button type="button" className={button} disabled={pending} onClick={() => void toggle()}>
          {thread.shared ? "Stop sharing" : "Share with workspace"}
        </button>
      )}
      {links && createElement(panel, { key: linkState.threadId, state: linkState, setState: setLinkState })}
    </div>
  );
}
