// The worker thread that renders a share snapshot's Markdown to HTML (started by lib/sharing/snapshot-html.ts).
// It is the only Markdown renderer on the server. Plain JavaScript outside the bundles, so `next start` and the
// standalone folder run the same file.
//
// micromark is super-linear on hostile input (a 32,000-character text can take minutes or overflow the stack), so
// this runs in its own thread under the caller's deadlines: the caller terminates it and starts a fresh one.
import { parentPort, workerData } from "node:worker_threads";
import { createElement as h } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import Markdown from "react-markdown";
import remarkGfm from "remark-gfm";

const linkClass =
  "text-blue-700 underline underline-offset-2 hover:text-blue-900 dark:text-blue-400 dark:hover:text-blue-300";
const heading =
  (tag, className) =>
  ({ children }) =>
    h(tag, { className }, children);

/**
 * A shared page is read by people the author never met: a Markdown image would load (and tell
 * its server who reads the page) with no click, so only its alt text shows, and a link leaks
 * nothing about where it was followed from and lends the page's standing to no one.
 */
const components = {
  img: ({ alt }) => (alt ? h("span", { className: "text-zinc-500 dark:text-zinc-400" }, `[${alt}]`) : null),
  // An address the URL filter below dropped (`javascript:` and the like) leaves just the text.
  a: ({ href, children }) =>
    href
      ? h("a", { href, className: linkClass, rel: "noopener noreferrer nofollow" }, children)
      : h("span", null, children),
  pre: ({ children }) =>
    h(
      "pre",
      { className: "overflow-x-auto rounded-lg bg-zinc-900 p-3 font-mono text-sm leading-relaxed text-zinc-100" },
      children,
    ),
  code: ({ className, children }) =>
    h(
      "code",
      { className: className ?? "rounded bg-zinc-100 px-1 py-0.5 font-mono text-[0.9em] dark:bg-zinc-800" },
      children,
    ),
  // The page's title is its h1 and each message's role an h2: a message's own headings sit below them.
  h1: heading("h3", "text-xl font-semibold"),
  h2: heading("h4", "text-lg font-semibold"),
  h3: heading("h5", "font-semibold"),
  h4: heading("h6", "font-semibold"),
  h5: heading("h6", "font-semibold"),
  ul: ({ children }) => h("ul", { className: "list-disc space-y-1 pl-6" }, children),
  ol: ({ children, start }) => h("ol", { className: "list-decimal space-y-1 pl-6", start }, children),
  blockquote: ({ children }) =>
    h(
      "blockquote",
      { className: "border-l-4 border-zinc-300 pl-3 text-zinc-600 dark:border-zinc-700 dark:text-zinc-400" },
      children,
    ),
  table: ({ children }) =>
    h("div", { className: "overflow-x-auto" }, h("table", { className: "border-collapse text-sm" }, children)),
  th: ({ children, style }) =>
    h(
      "th",
      {
        style,
        className:
          "border border-zinc-300 bg-zinc-50 px-2 py-1 text-left font-semibold dark:border-zinc-700 dark:bg-zinc-900",
      },
      children,
    ),
  td: ({ children, style }) =>
    h("td", { style, className: "border border-zinc-300 px-2 py-1 dark:border-zinc-700" }, children),
};

/**
 * No rehype-raw: raw HTML in the text stays text, never markup. react-markdown's default URL filter keeps
 * http(s), mailto, irc(s), xmpp and relative addresses and drops the rest (`javascript:`, `data:`...).
 */
const render = (text) =>
  renderToStaticMarkup(
    h(
      "div",
      { className: "space-y-3 leading-relaxed break-words" },
      h(Markdown, { remarkPlugins: [remarkGfm], components }, text),
    ),
  );

// Ready once the modules are loaded, so the caller's per-text deadline does not count them.
parentPort.postMessage({ ready: true });
// `texts` are the snapshot's from its text number `from` on (a fresh worker goes on where the last one stopped).
const { texts, from } = workerData;
for (let i = 0; i < texts.length; i++) {
  let html = null;
  try {
    html = render(texts[i]);
  } catch {
    // A stack overflow on deeply nested input, for one: that text stays plain.
  }
  parentPort.postMessage({ index: from + i, html });
}
