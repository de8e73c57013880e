"use client";

import { createContext, useContext, useLayoutEffect } from "react";

/**
 * What one chat runtime knows about threads besides what assistant-ui holds. Made once per
 * ChatRuntimeProvider and handed to its adapters, so two runtimes (or a remounted one) never
 * share what they have read.
 */
export function createRuntimeCache() {
  // Messages a server-rendered /chat/:id page already holds, so opening it needs no second request.
  const primed = new Map<string, string>();
  const everPrimed = new Set<string>();
  // A message a search result asked to show; the open thread's message list takes it once it holds that thread.
  let reveal: { threadId: string; messageId: string } | null = null;
  const revealListeners = new Set<() => void>();
  return {
    /** Hands the server-read messages of a thread to its first history load; later loads fetch fresh ones. */
    prime(threadId: string, messagesJson: string) {
      if (everPrimed.has(threadId)) return;
      everPrimed.add(threadId);
      primed.set(threadId, messagesJson);
    },
    /** The primed messages of a thread, once. */
    takePrimed(threadId: string): string | undefined {
      const messagesJson = primed.get(threadId);
      primed.delete(threadId);
      return messagesJson;
    },
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
 * Primes the thread's first history load with the messages the server rendered. A layout effect
 * runs before the passive effects (useEffect) of the same commit, so before ThreadUrlSync's
 * effect can open the thread.
 */
export function usePrimedThreadHistory(initial: { id: string; messagesJson: string } | null) {
  const cache = useRuntimeCache();
  const threadId = initial?.id;
  const messagesJson = initial?.messagesJson;
  useLayoutEffect(() => {
    if (threadId !== undefined && messagesJson !== undefined) cache.prime(threadId, messagesJson);
  }, [cache, threadId, messagesJson]);
}
