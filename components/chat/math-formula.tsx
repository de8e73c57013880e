"use client";

import { useMemo } from "react";
import { renderTex } from "@/components/chat/math-tex";

export type FormulaProps = { tex: string; display: boolean };

/**
 * One formula of a reply, drawn by KaTeX. The markup comes from KaTeX alone (with `trust: false`,
 * see math-tex.ts), never from the reply. A formula that does not parse, as a streaming reply's
 * last one often does until it is complete, shows its source, muted, with the reason on hover.
 */
export function Formula({ tex, display }: FormulaProps) {
  const rendered = useMemo(() => renderTex(tex, display), [tex, display]);
  if ("error" in rendered) {
    return display ? (
      <pre
        title={rendered.error}
        className="overflow-x-auto rounded-lg bg-zinc-100 p-3 font-mono text-sm text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300"
      >
        <code>{tex}</code>
      </pre>
    ) : (
      <code
        title={rendered.error}
        className="rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.9em] text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300"
      >
        {tex}
      </code>
    );
  }
  return display ? (
    // A wide formula scrolls within the reply instead of widening the page.
    <div className="overflow-x-auto overflow-y-hidden" dangerouslySetInnerHTML={{ __html: rendered.html }} />
  ) : (
    <span dangerouslySetInnerHTML={{ __html: rendered.html }} />
  );
}
