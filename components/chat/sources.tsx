"use client";

import { useAuiState, type SourceMessagePart } from "@assistant-ui/react";
import { useId } from "react";

const focusRing = "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-zinc-500";

/** A source as a reply shows it: a title, and where it opens (absent for a document source). */
export type ShownSource = { id: string; title: string; url?: string };

/**
 * Where a source may open: a project file's page on this app (`/projects/…`), and nothing else.
 * The server writes the sources, but a stored reply is data: a URL to elsewhere (or a `javascript:`
 * one, or `//host/…`) is shown as text, never as a link.
 */
export function sourceHref(url: string | undefined): string | null {
  if (!url || !url.startsWith("/projects/") || url.includes("\\")) return null;
  try {
    const base = "http://threadkeeper.invalid";
    const parsed = new URL(url, base);
    return parsed.origin === base && parsed.pathname.startsWith("/projects/") ? url : null;
  } catch {
    return null;
  }
}

/** A stored reply's sources (its AI SDK `source-url` parts) as assistant-ui holds them. */
export function storedSources(content: unknown): SourceMessagePart[] {
  const parts = (content as { parts?: Record<string, unknown>[] } | null)?.parts ?? [];
  return parts.flatMap((p): SourceMessagePart[] =>
    p.type === "source-url" && typeof p.sourceId === "string" && typeof p.url === "string"
      ? [
          {
            type: "source",
            sourceType: "url",
            id: p.sourceId,
            url: p.url,
            ...(typeof p.title === "string" && { title: p.title }),
          },
        ]
      : [],
  );
}

/** The list under a reply: one link per source, named by its title ("<file> · passage <n>"). */
export function SourceList({ sources }: { sources: ShownSource[] }) {
  const headingId = useId();
  if (sources.length === 0) return null;
  return (
    <div className="mt-3 text-sm">
      <h3 id={headingId} className="text-xs font-medium text-zinc-500 dark:text-zinc-400">
        Sources
      </h3>
      <ul aria-labelledby={headingId} className="mt-1 flex flex-wrap gap-1.5">
        {sources.map((source, index) => {
          const href = sourceHref(source.url);
          const label = source.title || source.url || "Source";
          return (
            <li key={`${source.id}-${index}`}>
              {href ? (
                <a
                  href={href}
                  className={`inline-block max-w-full truncate rounded-md border border-zinc-200 px-2 py-0.5 text-zinc-700 hover:bg-zinc-100 pointer-coarse:py-2 dark:border-zinc-800 dark:text-zinc-300 dark:hover:bg-zinc-800 ${focusRing}`}
                >
                  {label}
                </a>
              ) : (
                <span className="inline-block max-w-full truncate rounded-md border border-zinc-200 px-2 py-0.5 text-zinc-500 dark:text-zinc-400 dark:border-zinc-800">
                  {label}
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** The open reply's sources (its `source` parts, live or loaded). */
export function MessageSources() {
  const parts = useAuiState((s) => s.message.parts);
  const sources = parts.flatMap((p): ShownSource[] =>
    p.type === "source" ? [{ id: p.id, title: p.title ?? "", url: p.url }] : [],
  );
  return <SourceList sources={sources} />;
}
