"use client";

import { fromThreadMessageLike, useAui, type ThreadHistoryAdapter, type ThreadMessageLike } from "@assistant-ui/react";
import type { UIMessage } from "ai";
import { useMemo } from "react";
import type { RuntimeCache } from "@/components/chat/runtime/runtime-cache";
import { storedSources } from "@/components/chat/sources";
import { api, type ApiMessage } from "@/lib/client/api-client";
import {
  branchEndingAt,
  fromUIMessage,
  messageFormat,
  newestPartOfThread,
  toUIMessage,
} from "@/lib/shared/chat-messages";

/** A thread's messages as the page primed them (a long thread's newest part already) or the API lists them. */
type LoadedMessages = { messages: ApiMessage[]; rootId?: string; rootParentId?: string | null; hidden?: number };

async function loadMessages(cache: RuntimeCache, threadId: string): Promise<LoadedMessages> {
  const primed = cache.takePrimed(threadId);
  const loaded = primed ? (JSON.parse(primed) as LoadedMessages) : await api.listMessages(threadId);
  noteReadUpTo(cache, threadId, loaded.messages);
  return loaded;
}

function noteReadUpTo(cache: RuntimeCache, threadId: string, messages: ApiMessage[]) {
  const newest = messages.reduce((max, m) => (m.createdAt && m.createdAt > max ? m.createdAt : max), "");
  cache.readUpTo.set(threadId, newest ? new Date(newest).toISOString() : "");
}

/** A reply the model failed shows its error again after a reload, as it did live. */
const storedStatus = (status: string | undefined) =>
  status === "error"
    ? ({ type: "incomplete", reason: "error", error: "The model could not answer this message." } as const)
    : ({ type: "complete", reason: "unknown" } as const);

/**
 * A stored reply's sources (the server wrote them: the project passages its turn was given) shown
 * under it again after a reload. The settled copy this tab saves carries none (toUIMessage keeps
 * text, reasoning and files): sources, like tool calls, are the server's to write.
 */
function withSources(like: ThreadMessageLike, content: unknown): ThreadMessageLike {
  const sources = like.role === "assistant" ? storedSources(content) : [];
  if (sources.length === 0 || typeof like.content === "string") return like;
  return { ...like, content: [...sources, ...like.content] };
}

/** A stored message as the runtime holds it. */
const storedMessage = (m: ApiMessage) =>
  fromThreadMessageLike(
    withSources(fromUIMessage({ id: m.id, ...(m.content as Pick<UIMessage, "role" | "parts">) }), m.content),
    m.id,
    storedStatus(m.status),
  );

/**
 * Stored messages as the runtime imports them; the newest part of a thread is held without
 * `rootParentId`, its first messages as roots.
 */
function repositoryItems(messages: ApiMessage[], rootParentId: string | null = null) {
  return messages
    .filter((m) => m.format === messageFormat)
    .map((m) => ({
      parentId: rootParentId !== null && m.parentId === rootParentId ? null : m.parentId,
      message: storedMessage(m),
    }));
}

/**
 * The stored messages that come before the runtime's first ones in a thread it holds only the newest
 * part of, at most `count`, oldest first: what a message sent there carries before them as the model's
 * context, as it would with the whole thread held. None for a thread held whole.
 */
export async function contextBeforeHeld(cache: RuntimeCache, threadId: string, count: number) {
  const part = cache.partialThreads.get(threadId);
  if (!part || count <= 0 || part.rootParentId === null) return [];
  const { rootParentId } = part;
  const read = () => {
    const messages = api.listMessages(threadId).then((body) => body.messages);
    cache.contextReads.set(threadId, messages);
    // A failed read fails this send (its parent would be missing) and is tried again by the next.
    messages.catch(() => cache.contextReads.delete(threadId));
    return messages;
  };
  let stored = await (cache.contextReads.get(threadId) ?? read());
  // A read from before the part moved on (a reply caught up since) lacks its new first message's parent.
  if (!stored.some((m) => m.id === rootParentId)) stored = await read();
  const context = branchEndingAt(stored, rootParentId, count).filter((m) => m.format === messageFormat);
  // The message sent goes under the part's stored parent: the model must have that parent last.
  if (context.at(-1)?.id !== rootParentId)
    throw new Error("This thread's earlier messages could not be read for the model: reload the page.");
  return context.map(storedMessage);
}

/** What the runtime holds of a thread read from the server (`messages`, oldest first). */
function heldContents(cache: RuntimeCache, threadId: string, loaded: LoadedMessages) {
  const { messages } = loaded;
  // A long thread opens with its newest part: the runtime's cost grows with every message it holds.
  const part = loaded.rootId
    ? { messages, rootId: loaded.rootId, rootParentId: loaded.rootParentId ?? null, hidden: loaded.hidden ?? 0 }
    : cache.wholeThreads.has(threadId)
      ? { messages, rootId: null, rootParentId: null, hidden: 0 }
      : newestPartOfThread(messages);
  if (part.rootId) cache.partialThreads.set(threadId, { rootParentId: part.rootParentId, hidden: part.hidden });
  else cache.partialThreads.delete(threadId);
  // Messages come oldest first, so the newest one is the branch the user was last on.
  return { headId: messages.at(-1)?.id ?? null, messages: repositoryItems(part.messages, part.rootParentId) };
}

/**
 * Where the runtime's first messages hang in the stored thread: the runtime holds a long thread's
 * newest part with its first message as a root, which the server stores under `rootParentId`.
 */
export function storedParentOf(cache: RuntimeCache, threadId: string, parentId: string | null) {
  return parentId ?? cache.partialThreads.get(threadId)?.rootParentId ?? null;
}

type Aui = ReturnType<typeof useAui>;

/**
 * Whether a message on the shown branch is being edited. An edit keeps the parent its message had
 * in the runtime when it was opened (none, for a first message of the newest part), so the thread
 * is not put in again under an open edit: the edit would be saved as a first message of the thread.
 */
function editOpen(thread: ReturnType<Aui["thread"]>) {
  const held = thread.getState().messages.length;
  for (let index = 0; index < held; index++) if (thread.message({ index }).getState().composer.isEditing) return true;
  return false;
}

/**
 * Puts the whole of a thread the runtime holds only the newest part of into it (the reader scrolled
 * up to the rest, or a search hit is there), read again from the server and on the branch shown.
 * Resolves false, changing nothing, while a reply is being written or a message edited, or when the
 * server lacks a message the runtime has (one still being saved): the reader asks again.
 */
export function loadWholeThread(aui: Aui, cache: RuntimeCache, threadId: string): Promise<boolean> {
  const inFlight = cache.wholeLoads.get(threadId);
  if (inFlight) return inFlight;
  const load = (async () => {
    if (aui.thread().getState().isRunning || editOpen(aui.thread())) return false;
    const { messages } = await api.listMessages(threadId);
    const thread = aui.thread();
    const state = thread.getState();
    if (state.isRunning || editOpen(thread) || aui.threadListItem().getState().remoteId !== threadId) return false;
    const stored = new Set(messages.map((m) => m.id));
    if (thread.export().messages.some(({ message }) => !stored.has(message.id))) return false;
    const head = state.messages.at(-1)?.id;
    cache.wholeThreads.add(threadId);
    cache.partialThreads.delete(threadId);
    noteReadUpTo(cache, threadId, messages);
    thread.import({
      headId: head && stored.has(head) ? head : (messages.at(-1)?.id ?? null),
      messages: repositoryItems(messages),
    });
    return true;
  })().finally(() => cache.wholeLoads.delete(threadId));
  cache.wholeLoads.set(threadId, load);
  return load;
}

/**
 * Puts in a message the server stored after the thread was read (a reply that ended between the
 * page's read and the resume check), read again from the server. Nothing changes when the server's
 * newest message is already held (a copy's last activity is newer than its copied messages), or
 * once the person has sent something since `heldAtCheck` messages were held, or while a reply runs
 * or a message is edited: putting the thread in again would drop their turn under way. Checked right
 * before the import, so no send can slip in between.
 */
export async function catchUpThread(aui: Aui, cache: RuntimeCache, threadId: string, heldAtCheck: number) {
  const { messages } = await api.listMessages(threadId);
  const thread = aui.thread();
  const state = thread.getState();
  if (state.isRunning || state.messages.length !== heldAtCheck || editOpen(thread)) return;
  if (aui.threadListItem().getState().remoteId !== threadId) return;
  const newest = messages.at(-1);
  if (!newest || thread.export().messages.some(({ message }) => message.id === newest.id)) return;
  noteReadUpTo(cache, threadId, messages);
  thread.import(heldContents(cache, threadId, { messages }));
}

/** Runs what it is given one after another, in the order given, whether or not the last one failed. */
function serially() {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(run: () => Promise<T>): Promise<T> => {
    const next = last.catch(() => {}).then(run);
    last = next;
    return next;
  };
}

/** A thread's messages: loaded from the server (or the page's primed copy), and each one saved once it settles. */
export function useThreadHistory(cache: RuntimeCache): ThreadHistoryAdapter {
  const aui = useAui();
  return useMemo<ThreadHistoryAdapter>(() => {
    // Copies go to the server one after another: a reply's copy must not overtake its parent's
    // (a message's parent has to be stored first, or the copy is refused).
    const inOrder = serially();
    return {
      async load() {
        const remoteId = aui.threadListItem().getState().remoteId;
        if (!remoteId) return { messages: [] };
        return heldContents(cache, remoteId, await loadMessages(cache, remoteId));
      },
      // Each message once it settles: the user's when sent, a reply when it ends (also by Stop).
      async append({ parentId, message }) {
        if (cache.followedReplies.delete(message.id)) return;
        // Where the message hangs as the runtime held the thread when it was added, before the saves
        // queued ahead of it: a whole load meanwhile makes the part's first messages children again.
        const heldId = aui.threadListItem().getState().remoteId;
        const storedParent = heldId ? storedParentOf(cache, heldId, parentId) : parentId;
        const { remoteId } = await aui.threadListItem().initialize();
        const { id, ...content } = toUIMessage(message);
        await inOrder(() => api.saveMessage(remoteId, { id, parentId: storedParent, format: messageFormat, content }));
      },
    };
  }, [aui, cache]);
}
