"use client";

import {
  MarkdownTextPrimitive,
  unstable_memoizeMarkdownComponents as memoizeMarkdownComponents,
  useIsMarkdownCodeBlock,
  type CodeHeaderProps,
  type SyntaxHighlighterProps,
} from "@assistant-ui/react-markdown";
import { lazy, memo, Suspense, useEffect, useState, type ComponentProps } from "react";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";
import { prepareMath, remarkDisplayMath } from "@/components/chat/math-markdown";
import { MermaidDiagram } from "@/components/chat/mermaid-diagram";

function CodeHeader({ language, code }: CodeHeaderProps) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);

  return (
    // mb-0 beats the container's space-y margin so the header sits flush on its <pre>.
    <div className="mb-0 flex items-center justify-between rounded-t-lg bg-zinc-800 px-3 py-1 text-xs text-zinc-300">
      <span className="font-mono">{language || "text"}</span>
      <span className="flex items-center gap-2">
        <span aria-live="polite">{copied ? "Copied" : ""}</span>
        <button
          type="button"
          className="rounded px-1.5 py-0.5 hover:bg-zinc-700 hover:text-white focus-visible:outline-2 focus-visible:outline-zinc-400"
          onClick={() => {
            // The Clipboard API is missing on plain-http origins, which self-hosted installs often are.
            navigator.clipboard?.writeText(code).then(
              () => setCopied(true),
              () => {},
            );
          }}
        >
          Copy code
        </button>
      </span>
    </div>
  );
}

// Resolved against a base of our own: a URL that keeps it is a path on this app.
const ownBase = "http://threadkeeper.invalid";
const isOwnImage = (src: unknown) => {
  if (typeof src !== "string" || !src) return false;
  try {
    const url = new URL(src, ownBase);
    return url.origin === ownBase || url.protocol === "data:" || url.protocol === "blob:";
  } catch {
    return false;
  }
};

const linkClass =
  "text-blue-700 underline underline-offset-2 hover:text-blue-900 dark:text-blue-400 dark:hover:text-blue-300";

/**
 * Images only from this app: a reply's Markdown is text a model (or whoever injected text into
 * it) wrote, and an image from elsewhere is loaded with no click, so its URL could carry the
 * conversation away. Any other image becomes a plain link the person can choose to open.
 */
function Image({ src, alt }: ComponentProps<"img">) {
  // A plain <img>: next/image's optimizer would fetch the URL on the server.
  // eslint-disable-next-line @next/next/no-img-element
  if (isOwnImage(src)) return <img src={src as string} alt={alt ?? ""} className="max-w-full rounded" />;
  if (typeof src !== "string" || !src) return <span>{alt}</span>;
  return (
    <a href={src} className={linkClass} target="_blank" rel="noreferrer noopener">
      {alt || src}
    </a>
  );
}

// KaTeX and its CSS load with the first formula on screen, not with the chat.
const LazyFormula = lazy(() => import("@/components/chat/math-formula").then((m) => ({ default: m.Formula })));

/** A formula (remark-math's parse of `$…$` or `$$…$$`): its source until KaTeX has loaded. */
function Formula({ tex, display }: { tex: string; display: boolean }) {
  const source = display ? (
    <pre className="overflow-x-auto font-mono text-sm text-zinc-500 dark:text-zinc-400">{tex}</pre>
  ) : (
    <code className="font-mono text-[0.9em] text-zinc-500 dark:text-zinc-400">{tex}</code>
  );
  return (
    <Suspense fallback={source}>
      <LazyFormula tex={tex} display={display} />
    </Suspense>
  );
}

const DisplayMath = ({ code }: SyntaxHighlighterProps) => <Formula tex={code} display />;

function Code({ className, children, ...props }: ComponentProps<"code">) {
  const isBlock = useIsMarkdownCodeBlock();
  if (!isBlock && className?.includes("math-inline") && typeof children === "string") {
    return <Formula tex={children} display={false} />;
  }
  return (
    <code
      className={
        isBlock
          ? className
          : `rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.9em] dark:bg-zinc-800 ${className ?? ""}`
      }
      {...props}
    >
      {children}
    </code>
  );
}

// Module-level and memoized (which also drops react-markdown's `node` prop before it reaches the DOM).
const components = memoizeMarkdownComponents({
  CodeHeader,
  code: Code,
  pre: (props) => (
    <pre
      {...props}
      className="overflow-x-auto rounded-b-lg bg-zinc-900 p-3 font-mono text-sm leading-relaxed text-zinc-100"
    />
  ),
  h1: (props) => <h1 className="text-xl font-semibold" {...props} />,
  h2: (props) => <h2 className="text-lg font-semibold" {...props} />,
  h3: (props) => <h3 className="font-semibold" {...props} />,
  ul: (props) => <ul className="list-disc space-y-1 pl-6" {...props} />,
  ol: (props) => <ol className="list-decimal space-y-1 pl-6" {...props} />,
  blockquote: (props) => (
    <blockquote
      className="border-l-4 border-zinc-300 pl-3 text-zinc-600 dark:border-zinc-700 dark:text-zinc-400"
      {...props}
    />
  ),
  img: Image,
  a: (props) => <a className={linkClass} {...props} target="_blank" rel="noreferrer noopener" />,
  table: (props) => (
    <div className="overflow-x-auto">
      <table className="border-collapse text-sm" {...props} />
    </div>
  ),
  th: (props) => (
    <th
      className="border border-zinc-300 bg-zinc-50 px-2 py-1 text-left font-semibold dark:border-zinc-700 dark:bg-zinc-900"
      {...props}
    />
  ),
  td: (props) => <td className="border border-zinc-300 px-2 py-1 dark:border-zinc-700" {...props} />,
  hr: (props) => <hr className="border-zinc-200 dark:border-zinc-800" {...props} />,
});

// Display math (remark-math's `$$` blocks, and ```math fences as GitHub reads them) has no code
// header; a ```mermaid block keeps its header (Copy code copies the source) above the diagram.
const NoHeader = () => null;
const componentsByLanguage = {
  math: { SyntaxHighlighter: DisplayMath, CodeHeader: NoHeader },
  mermaid: { SyntaxHighlighter: MermaidDiagram },
};

// No rehype-raw: react-markdown turns raw HTML in a reply into plain text, never markup.
// smooth={false}: the text on screen is exactly what has arrived, so a stopped reply shows
// what will be stored instead of finishing a typing animation after Stop.
// remark-math only parses (a few kB); drawing a formula or a diagram loads its library on demand.
const MarkdownTextImpl = () => (
  <MarkdownTextPrimitive
    remarkPlugins={[remarkGfm, remarkMath, remarkDisplayMath]}
    preprocess={prepareMath}
    smooth={false}
    className="space-y-3 leading-relaxed break-words"
    components={components}
    componentsByLanguage={componentsByLanguage}
  />
);

export const MarkdownText = memo(MarkdownTextImpl);
