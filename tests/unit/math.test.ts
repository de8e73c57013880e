import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import Markdown from "react-markdown";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";
import { describe, expect, it } from "vitest";
import { prepareMath, remarkDisplayMath } from "@/components/chat/math-markdown";
import { renderTex } from "@/components/chat/math-tex";

/** A reply as the chat's Markdown renderer parses it, before any formula is drawn. */
const html = (reply: string) =>
  renderToStaticMarkup(
    createElement(Markdown, { remarkPlugins: [remarkGfm, remarkMath, remarkDisplayMath] }, prepareMath(reply)),
  );
const inline = (tex: string) => `<code class="language-math math-inline">${tex}</code>`;
const display = (tex: string) => `<pre><code class="language-math math-display">${tex}</code></pre>`;

describe("prepareMath", () => {
  it("turns LaTeX brackets into the dollars remark-math reads", () => {
    expect(prepareMath(String.raw`so \(x_1\) and \[\int_0^1 x\,dx\]`)).toBe(
      String.raw`so $x_1$ and $$\int_0^1 x\,dx$$`,
    );
  });

  it("reads a formula on a line of its own as display math, one within a sentence as inline", () => {
    expect(html(String.raw`so \(x_1\) and $$y$$ and $z$`)).toBe(
      `<p>so ${inline("x_1")} and ${inline("y")} and ${inline("z")}</p>`,
    );
    expect(html(String.raw`\[ E=mc^2 \]`)).toBe(display("E=mc^2"));
    expect(html("$$E=mc^2$$")).toBe(display("E=mc^2"));
    expect(html("- $$E=mc^2$$")).toBe(`<ul>\n<li>\n${display("E=mc^2")}\n</li>\n</ul>`);
    expect(html("$$\na^2\n$$")).toBe(display("a^2"));
    expect(html("$x$")).toBe(`<p>${inline("x")}</p>`);
  });

  it("leaves prices as text and formulas as formulas", () => {
    expect(prepareMath("It costs $5 and $10.")).toBe(String.raw`It costs \$5 and \$10.`);
    expect(prepareMath("where $x^2 = 4$")).toBe("where $x^2 = 4$");
  });

  it("never rewrites code", () => {
    const code = "`\\(x\\)` and\n```\n$5 and $10 \\[y\\]\n```";
    expect(prepareMath(code)).toBe(code);
  });
});

describe("renderTex", () => {
  it("draws inline and display formulas", () => {
    const inline = renderTex("a^2+b^2=c^2", false);
    expect("html" in inline && inline.html).toContain('class="katex"');
    const display = renderTex(String.raw`\frac{1}{2}`, true);
    expect("html" in display && display.html).toContain("katex-display");
  });

  it("gives half a formula (a reply still streaming) back as an error, not markup", () => {
    expect(renderTex(String.raw`\frac{1}{`, true)).toEqual({ error: expect.stringContaining("KaTeX parse error") });
  });

  it("makes no link, attribute, image or style from a reply's commands", () => {
    for (const tex of [
      String.raw`\href{javascript:window.__pwned=1}{click}`,
      String.raw`\url{javascript:window.__pwned=1}`,
      String.raw`\htmlData{onclick=window.__pwned=1}{x}`,
      String.raw`\htmlStyle{background:url(https://example.com/x)}{x}`,
      String.raw`\htmlClass{evil}{x}`,
      String.raw`\htmlId{evil}{x}`,
      String.raw`\includegraphics{https://example.com/x.png}`,
    ]) {
      const rendered = renderTex(tex, false);
      const html = "html" in rendered ? rendered.html : "";
      expect(html, tex).not.toMatch(/<a\b|<img\b|href=|data-onclick|example\.com"|id="evil"|class="evil"/);
    }
  });

  it("stops a formula that expands without end", () => {
    const bomb = String.raw`\def\a{\a\a}\a`;
    expect(renderTex(bomb, false)).toEqual({ error: expect.stringContaining("Too many expansions") });
  });
});
