"use client";

import { useAui, useAuiState } from "@assistant-ui/react";
import { usePathname } from "next/navigation";
import { useEffect, useMemo } from "react";
import { SentFile } from "@/components/chat/attachments";
import { markdownText } from "@/components/chat/reply-markdown";
import { usePrimedThread } from "@/components/chat/runtime/runtime-cache";
import { useOwnThread, useSharedBy } from "@/components/chat/runtime/thread-owner";
import { ShareControl } from "@/components/chat/share-control";
import { SharedThreadBar } from "@/components/chat/shared-thread-view";
import { SourceList, storedSources } from "@/components/chat/sources";
import { ThreadProjectBar } from "@/components/chat/thread-project";
import { Thread } from "@/components/chat/thread";
import type { ApiThread } from "@/lib/client/api-client";
import {
  attachmentParts,
  attachmentUrl,
  lastBranch,
  openingWindow,
  textParts,
  threadIdFromPath,
  type StoredMessageJson,
} from "@/lib/shared/chat-messages";

/**
 * What a page that shows a thread read on the server: its messages (GET /api/threads/:id/messages's
 * body) and the thread as the caller sees it (their own, or shared with them: `own`, `authorName`).
 */
export type InitialThread = { id: string; messagesJson: string; thread?: ApiThread };

/**
 * The open thread. On a server render of a thread's page the chat runtime has not loaded anything
 * yet, so the messages the server read come as plain text first (at first paint, never an empty
 * or another thread); the live thread takes over once the runtime holds the same thread, loaded
 * from those very messages (no second request).
 *
 * Someone else's thread shared with the caller is shown read-only, under whose it is and
 * "Continue as my own copy" (SharedThreadBar); the author's own workspace thread has the share
 * control (ShareControl), and any of theirs its folded Instructions and its Project
 * (ThreadProjectBar). Any page can render this with the thread it read.
 */
export function ThreadView({ initial }: { initial: InitialThread | null }) {
  const urlId = threadIdFromPath(usePathname());
  const remoteId = useAuiState((s) => s.threadListItem.remoteId);
  const loading = useAuiState((s) => s.thread.isLoading);
  const own = useOwnThread();
  const sharedBy = useSharedBy();
  usePrimedThread(initial);
  const showServerCopy = initial !== null && initial.id === urlId && (remoteId !== urlId || loading);
  // Whose thread this is: the server's word until the runtime holds it, then the runtime's.
  const reader = showServerCopy ? initial.thread?.own === false : !own && remoteId === urlId;
  const authorName = showServerCopy ? (initial.thread?.authorName ?? null) : sharedBy;
  return (
    <div className="flex h-full flex-col">
      {reader && urlId ? (
        <SharedThreadBar threadId={urlId} authorName={authorName} />
      ) : (
        <>
          <ArchivedNotice />
          <ShareControl initial={initial?.thread ?? null} />
          <ThreadProjectBar initial={initial?.thread ?? null} />
        </>
      )}
      <div className="min-h-0 flex-1">
        {showServerCopy ? <ServerRenderedThread messagesJson={initial.messagesJson} /> : <Thread />}
      </div>
    </div>
  );
}

function ArchivedNotice() {
  const aui = useAui();
  const archived = useAuiState((s) => s.threadListItem.status === "archived");
  if (!archived) return null;
  return (
    <p
      role="status"
      className="flex items-center justify-center gap-3 border-b border-zinc-200 bg-zinc-50 px-4 py-2 text-sm dark:border-zinc-800 dark:bg-zinc-900"
    >
      This thread is archived.
      <button
        type="button"
        className="rounded-md border border-zinc-300 px-2 py-0.5 hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
        onClick={() => void aui.threadListItem.unarchive()}
      >
        Unarchive
      </button>
    </p>
  );
}

/**
 * The thread as the server read it, until the live thread takes over: its newest messages, as many
 * as the live thread opens with, the last one on screen from the first paint (a reversed column
 * starts scrolled to its end, no script needed).
 */
function ServerRenderedThread({ messagesJson }: { messagesJson: string }) {
  const { branch, hidden } = useMemo(() => {
    // A long thread's page carries its newest part only, and how many older messages it leaves out.
    const read = JSON.parse(messagesJson) as { messages: StoredMessageJson[]; hidden?: number };
    return { branch: lastBranch(read.messages), hidden: read.hidden ?? 0 };
  }, [messagesJson]);
  const firstShown = Math.max(0, branch.length - openingWindow);
  const older = hidden + firstShown;
  // The live thread renders replies as Markdown: its code starts loading now, beside the chat runtime.
  useEffect(() => void markdownText.load().catch(() => {}), []);
  return (
    <div className="flex h-full flex-col-reverse overflow-y-auto px-4" aria-busy="true">
      {/* mb-auto: a thread shorter than the screen stays at its top, as the live thread shows it. */}
      <div className="mx-auto mb-auto flex w-full max-w-3xl flex-col gap-6 pt-6 pb-24">
        {older > 0 && (
          <p className="text-center text-xs text-zinc-500 dark:text-zinc-400">Earlier messages ({older})</p>
        )}
        {branch.slice(firstShown).map((m, index, shown) => {
          // When the newest message is painted, for the browser's Element Timing (bench/long-thread.ts, and
          // any real-user monitoring an operator adds).
          const timing = index === shown.length - 1 ? ({ elementtiming: "thread-last-message" } as object) : {};
          return m.content.role === "user" ? (
            <div key={m.id} data-role="user" data-message-id={m.id} className="flex flex-col items-end gap-1">
              <div className="flex flex-wrap justify-end gap-2">
                {attachmentParts(m.content).map((f) => (
                  <SentFile key={f.id} name={f.name} mediaType={f.mediaType} url={attachmentUrl(f.id)} />
                ))}
              </div>
              {textParts(m.content).length > 0 && (
                <p
                  className="max-w-[85%] rounded-2xl bg-zinc-100 px-4 py-2 break-words whitespace-pre-wrap dark:bg-zinc-800"
                  {...timing}
                >
                  {textParts(m.content).join("\n")}
                </p>
              )}
            </div>
          ) : (
            <div key={m.id} data-role="assistant" data-message-id={m.id} className="text-[0.95rem] break-words">
              <div className="whitespace-pre-wrap" {...timing}>
                {textParts(m.content).join("\n\n")}
              </div>
              <SourceList
                sources={storedSources(m.content).map((p) => ({ id: p.id, title: p.title ?? "", url: p.url }))}
              />
            </div>
          );
        })}
      </div>
    </div>
  );
}
