"use client";

import { useAui } from "@assistant-ui/react";
import { useEffect, useRef, useState } from "react";
import { useRuntimeCache } from "@/components/chat/runtime/runtime-cache";
import { readInSpace } from "@/components/chat/runtime/space-guard";
import { api, type ApiSearchResult } from "@/lib/client/api-client";

/** Splits a snippet at the server's \u0001 … \u0002 marks; the text itself is only ever text. */
function Snippet({ text }: { text: string }) {
  return (
    <>
      {text.split(/(\u0001[^\u0002]*\u0002)/).map((piece, i) =>
        piece.startsWith("\u0001") ? (
          <mark key={i} className="rounded bg-amber-200 px-0.5 dark:bg-amber-700 dark:text-white">
            {piece.slice(1, -1)}
          </mark>
        ) : (
          piece
        ),
      )}
    </>
  );
}

/** Searches the page's space (`workspaceId`, null: personal); results of another space are never shown. */
export function ThreadSearch({ workspaceId }: { workspaceId: string | null }) {
  const aui = useAui();
  const cache = useRuntimeCache();
  const input = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<ApiSearchResult[] | null>(null);

  // Ctrl+K / Cmd+K: search from anywhere.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        input.current?.focus();
        input.current?.select();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  useEffect(() => {
    if (!query.trim()) return;
    const abort = new AbortController();
    // Typing pauses for 150 ms before a search, and a newer search cancels the older one.
    const timer = setTimeout(() => {
      readInSpace(
        workspaceId,
        () => api.searchThreads(query, abort.signal),
        (found) => [found.workspaceId],
      ).then(
        ({ results }) => !abort.signal.aborted && setResults(results),
        () => {},
      );
    }, 150);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [query, workspaceId]);

  const clear = () => {
    setQuery("");
    setResults(null);
  };

  return (
    <div className="px-2 pt-2">
      <input
        ref={input}
        type="search"
        aria-label="Search threads"
        placeholder="Search (Ctrl+K)"
        value={query}
        onChange={(event) => {
          setQuery(event.target.value);
          if (!event.target.value.trim()) setResults(null);
        }}
        onKeyDown={(event) => event.key === "Escape" && clear()}
        className="w-full rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900"
      />
      {query.trim() && results && (
        <div className="mt-2 border-b border-zinc-200 pb-2 dark:border-zinc-800">
          {results.length === 0 ? (
            <p className="px-1 text-sm text-zinc-500 dark:text-zinc-400" role="status">
              No threads match.
            </p>
          ) : (
            <ul aria-label="Search results" className="space-y-1">
              {results.map((r) => (
                <li key={r.id}>
                  <button
                    type="button"
                    data-thread-trigger
                    className="w-full rounded-md px-2 py-1 text-left text-sm hover:bg-zinc-100 dark:hover:bg-zinc-800"
                    onClick={() => {
                      // A match in a message: the thread opens showing it, however far back it is.
                      cache.reveal.set(r.messageId ? { threadId: r.id, messageId: r.messageId } : null);
                      aui.threads.switchToThread(r.id);
                      clear();
                    }}
                  >
                    <span className="block truncate font-medium">{r.title ?? "New chat"}</span>
                    <span className="line-clamp-2 text-xs text-zinc-600 dark:text-zinc-400">
                      <Snippet text={r.snippet} />
                    </span>
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
