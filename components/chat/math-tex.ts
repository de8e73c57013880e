import katex, { type KatexOptions } from "katex";
// Here, not in the app's stylesheet: this module loads only once a reply holds math, and its CSS with it.
import "katex/dist/katex.min.css";

/**
 * KaTeX as a reply's math needs it. A reply is text a model (or whoever injected text into it)
 * wrote, so nothing in it may reach beyond the formula: `trust: false` renders `\href`, `\url`,
 * `\htmlData`, `\includegraphics` and the like as their source instead of links, attributes or
 * images, and `maxSize`/`maxExpand` bound how large a box or how many macro expansions one
 * formula may ask for.
 */
export const katexOptions = {
  trust: false,
  throwOnError: true,
  // Non-LaTeX input (a Unicode letter, `\\` in inline math) renders as written, without a console warning.
  strict: "ignore",
  maxSize: 20,
  maxExpand: 1000,
  // MathML alongside the visual HTML, which is hidden from screen readers.
  output: "htmlAndMathml",
} as const satisfies KatexOptions;

export type RenderedTex = { html: string } | { error: string };

/**
 * A formula as HTML (KaTeX escapes every character it takes from the source), or why it does not
 * parse: a reply still streaming often holds half a formula, which then shows as its source
 * rather than as an error.
 */
export function renderTex(tex: string, displayMode: boolean): RenderedTex {
  try {
    return { html: katex.renderToString(tex, { ...katexOptions, displayMode }) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}
