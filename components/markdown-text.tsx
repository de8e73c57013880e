"use client";

import { MarkdownTextPrimitive, type CodeHeaderProps } from "@assistant-ui/react-markdown";
import { memo, useState } from "react";
import remarkGfm from "remark-gfm";

function CodeHeader({ language, code }: CodeHeaderProps) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="flex items-center justify-between rounded-t-md bg-zinc-800 px-3 py-1 text-xs text-zinc-300">
      <span>{language || "text"}</span>
      <button
        type="button"
        className="rounded px-1.5 py-0.5 hover:bg-zinc-700 focus-visible:outline-2 focus-visible:outline-zinc-400"
        onClick={async () => {
          await navigator.clipboard.writeText(code);
          setCopied(true);
          setTimeout(() => setCopied(false), 1500);
        }}
      >
        {copied ? "Copied" : "Copy code"}
      </button>
    </div>
  );
}

// react-markdown renders raw HTML in a message as text, never as markup (no rehype-raw).
const MarkdownTextImpl = () => (
  <MarkdownTextPrimitive
    remarkPlugins={[remarkGfm]}
    className="prose-chat space-y-3 leading-relaxed break-words"
    components={{
      CodeHeader,
      h1: (p) => <h1 className="text-xl font-semibold" {...p} />,
      h2: (p) => <h2 className="text-lg font-semibold" {...p} />,
      h3: (p) => <h3 className="font-semibold" {...p} />,
      ul: (p) => <ul className="list-disc space-y-1 pl-6" {...p} />,
      ol: (p) => <ol className="list-decimal space-y-1 pl-6" {...p} />,
      blockquote: (p) => <blockquote className="border-l-4 border-zinc-300 pl-3 text-zinc-600 dark:border-zinc-700 dark:text-zinc-400" {...p} />,
      a: (p) => <a className="text-blue-700 underline dark:text-blue-400" target="_blank" rel="noreferrer noopener" {...p} />,
      table: (p) => <div className="overflow-x-auto"><table className="border-collapse text-sm" {...p} /></div>,
      th: (p) => <th className="border border-zinc-300 px-2 py-1 text-left dark:border-zinc-700" {...p} />,
      td: (p) => <td className="border border-zinc-300 px-2 py-1 dark:border-zinc-700" {...p} />,
      pre: (p) => <pre className="overflow-x-auto rounded-b-md bg-zinc-900 p-3 font-mono text-sm text-zinc-100" {...p} />,
      code: ({ className, ...p }) => (
        <code className={className ?? "rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.9em] dark:bg-zinc-800"} {...p} />
      ),
    }}
  />
);

export const MarkdownText = memo(MarkdownTextImpl);
