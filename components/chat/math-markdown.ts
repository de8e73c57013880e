import { escapeCurrencyDollars, normalizeMathDelimiters } from "@assistant-ui/react-markdown";
import type { Parent, Root, RootContent } from "mdast";
import type { VFile } from "vfile";

// remark-math's display node (its types add `math` to mdast's).
type MathNode = Extract<RootContent, { type: "math" }>;

/**
 * A reply's text as remark-math should read it. Models write math as `\(…\)` and `\[…\]` as often
 * as in dollars, and remark-math reads only dollars; a price (`$5 and $10`) is not a formula.
 * Code spans and fences stay as written.
 */
export const prepareMath = (text: string) => escapeCurrencyDollars(normalizeMathDelimiters(text));

/**
 * A paragraph that is one `$$…$$` and nothing else is display math, as people (and `\[…\]` on a
 * line of its own, which prepareMath makes one) mean it; remark-math reads `$$` on one line as
 * inline math. The paragraph becomes remark-math's own display node, so it renders as
 * `<pre><code class="language-math math-display">` like a `$$` block, within any list or quote.
 */
export function remarkDisplayMath() {
  return (tree: Root, file: VFile) => {
    const source = String(file.value);
    const walk = (parent: Parent) => {
      parent.children.forEach((child, index) => {
        const only = child.type === "paragraph" && child.children.length === 1 ? child.children[0] : undefined;
        const start = only?.position?.start.offset;
        if (only?.type === "inlineMath" && start !== undefined && source.startsWith("$$", start)) {
          parent.children[index] = displayMath(only.value, child.position);
        } else if ("children" in child) {
          walk(child);
        }
      });
    };
    walk(tree);
  };
}

function displayMath(value: string, position: MathNode["position"]): MathNode {
  return {
    type: "math",
    value,
    position,
    data: {
      hName: "pre",
      hChildren: [
        {
          type: "element",
          tagName: "code",
          properties: { className: ["language-math", "math-display"] },
          children: [{ type: "text", value }],
        },
      ],
    },
  };
}
