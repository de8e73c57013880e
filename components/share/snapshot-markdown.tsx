import Markdown, { type Components } from "react-markdown";
import remarkGfm from "remark-gfm";

const linkClass =
  "text-blue-700 underline underline-offset-2 hover:text-blue-900 dark:text-blue-400 dark:hover:text-blue-300";

/**
 * A shared page is read by people the author never met: a Markdown image would load (and tell
 * its server who reads the page) with no click, so only its alt text shows, and a link leaks
 * nothing about where it was followed from and lends the page's standing to no one.
 */
const components: Components = {
  img: ({ alt }) => (alt ? <span className="text-zinc-500">[{alt}]</span> : null),
  // An address react-markdown's filter dropped (`javascript:` and the like) leaves just the text.
  a: ({ href, children }) =>
    href ? (
      <a href={href} className={linkClass} rel="noopener noreferrer nofollow">
        {children}
      </a>
    ) : (
      <span>{children}</span>
    ),
  pre: ({ children }) => (
    <pre className="overflow-x-auto rounded-lg bg-zinc-900 p-3 font-mono text-sm leading-relaxed text-zinc-100">
      {children}
    </pre>
  ),
  code: ({ className, children }) => (
    <code className={className ?? "rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.9em] dark:bg-zinc-800"}>
      {children}
    </code>
  ),
  // The page's title is its h1 and each message's role an h2: a message's own headings sit below them.
  h1: ({ children }) => <h3 className="text-xl font-semibold">{children}</h3>,
  h2: ({ children }) => <h4 className="text-lg font-semibold">{children}</h4>,
  h3: ({ children }) => <h5 className="font-semibold">{children}</h5>,
  h4: ({ children }) => <h6 className="font-semibold">{children}</h6>,
  h5: ({ children }) => <h6 className="font-semibold">{children}</h6>,
  ul: ({ children }) => <ul className="list-disc space-y-1 pl-6">{children}</ul>,
  ol: ({ children, start }) => (
    <ol className="list-decimal space-y-1 pl-6" start={start}>
      {children}
    </ol>
  ),
  blockquote: ({ children }) => (
    <blockquote className="border-l-4 border-zinc-300 pl-3 text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
      {children}
    </blockquote>
  ),
  table: ({ children }) => (
    <div className="overflow-x-auto">
      <table className="border-collapse text-sm">{children}</table>
    </div>
  ),
  th: ({ children, style }) => (
    <th
      style={style}
      className="border border-zinc-300 bg-zinc-50 px-2 py-1 text-left font-semibold dark:border-zinc-700 dark:bg-zinc-900"
    >
      {children}
    </th>
  ),
  td: ({ children, style }) => (
    <td style={style} className="border border-zinc-300 px-2 py-1 dark:border-zinc-700">
      {children}
    </td>
  ),
};

/**
 * Markdown rendered on the server, for the shared page. No rehype-raw: raw HTML in the text stays
 * text, never markup; react-markdown's own URL filter drops `javascript:` and the like.
 */
export function SnapshotMarkdown({ text }: { text: string }) {
  return (
    <div className="space-y-3 leading-relaxed break-words">
      <Markdown remarkPlugins={[remarkGfm]} components={components}>
        {text}
      </Markdown>
    </div>
  );
}
