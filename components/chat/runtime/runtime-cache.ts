"use client";

import { createContext, useContext, useLayoutEffect } from "react";
import type { ApiMessage, ApiThread } from "@/lib/client/api-client";

/**
 * What one chat runtime knows about threads besides what assistant-ui holds. Made once per
 * ChatRuntimeProvider and handed to its adapters, so two runtimes (or a remounted one) never
 * share what they have read.
 */
export function createRuntimeCache() {
  // What a server-rendered /chat/:id page already holds (the thread and its messages), so opening it
  // needs no second request for either.
  const primedMessages = new Map<string, string>();
  const primedThreads = new Map<string, ApiThread>();
  const everPrimed = new Set<string>();
  // A message a search result asked to show; the open thread's message list takes it once it holds that thread.
  let reveal: { threadId: string; messageId: string } | null = null;
  const revealListeners = new Set<() => void>();
  const takeOnce = <T>(primed: Map<string, T>, threadId: string) => {
    const value = primed.get(threadId);
    primed.delete(threadId);
    return value;
  };
  return {
    /** Hands what the server read of a thread to its first opening; later ones fetch fresh copies. */
    prime(threadId: string, messagesJson: string, thread: ApiThread | undefined) {
      if (everPrimed.has(threadId)) return;
      everPrimed.add(threadId);
      primedMessages.set(threadId, messagesJson);
      if (thread) primedThreads.set(threadId, thread);
    },
    /** The primed messages of a thread, once. */
    takePrimed: (threadId: string): string | undefined => takeOnce(primedMessages, threadId),
    /** The primed thread itself (as GET /api/threads/:id answers), once. */
    takePrimedThread: (threadId: string): ApiThread | undefined => takeOnce(primedThreads, threadId),
    /**
     * Threads the runtime holds only the newest part of (history-adapter's `load`), until it holds them
     * whole: the stored parent of the part's first message (the runtime holds its first messages as
     * roots), and how many older messages of the branch it lacks.
     */
    partialThreads: new Map<string, { rootParentId: string | null; hidden: number }>(),
    /**
     * A partly held thread's stored messages, read once for the model's context of what is sent in it
     * (model-adapter's `run`); stored messages never change, so the read serves every later send.
     */
    contextReads: new Map<string, Promise<ApiMessage[]>>(),
    /** Threads the reader has scrolled back through: from then on the runtime holds them whole. */
    wholeThreads: new Set<string>(),
    /** A whole load in flight per thread, so a second request for it waits for the first. */
    wholeLoads: new Map<string, Promise<boolean>>(),
    /** The newest message each thread had when it was last read, to tell whether it has changed since. */
    readUpTo: new Map<string, string>(),
    /** Replies shown by following the server's recording: the server stores them, not this tab. */
    followedReplies: new Set<string>(),
    /** The message to bring into view when `threadId` is open (a search hit), or null once it is taken. */
    reveal: {
      get: () => reveal,
      set(next: { threadId: string; messageId: string } | null) {
        reveal = next;
        for (const listener of revealListeners) listener();
      },
      subscribe(listener: () => void) {
        revealListeners.add(listener);
        return () => void revealListeners.delete(listener);
      },
    },
  };
}

export type RuntimeCache = ReturnType<typeof createRuntimeCache>;

export const RuntimeCacheContext = createContext<RuntimeCache | null>(null);

export function useRuntimeCache(): RuntimeCache {
  const cache = useContext(RuntimeCacheContext);
  if (!cache) throw new Error("useRuntimeCache needs a ChatRuntimeProvider around it.");
  return cache;
}

/**
 * Primes the thread's opening with what the server rendered. A layout effect runs before the passive
 * effects (useEffect) of the same commit, so before ThreadUrlSync's effect can open the thread.
 */
export function usePrimedThread(initial: { id: string; messagesJson: string; thread?: ApiThread } | null) {
  const cache = useRuntimeCache();
  const threadId = initial?.id;
  const messagesJson = initial?.messagesJson;
  const thread = initial?.thread;
  useLayoutEffect(() => {
    if (threadId !== undefined && messagesJson !== undefined) cache.prime(threadId, messagesJson, thread);
  }, [cache, threadId, messagesJson, thread]);
}
