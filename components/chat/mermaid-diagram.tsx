"use client";

import { useAuiState } from "@assistant-ui/react";
import type { SyntaxHighlighterProps } from "@assistant-ui/react-markdown";
import { useEffect, useState } from "react";

type Drawn = { code: string; svg: string } | { code: string; error: string };

let diagrams = 0;

const mermaidBuild = "/vendor/mermaid/mermaid.esm.min.mjs";

/**
 * A diagram's source as Mermaid's SVG. `securityLevel: "strict"` makes Mermaid sanitize every
 * label (DOMPurify) and ignore click handlers and links to scripts, so what comes back holds no
 * script from the reply; a directive in the diagram cannot lower it (Mermaid keeps securityLevel
 * out of what `%%{init}%%` may change). Mermaid itself (several hundred kB) loads on the first
 * diagram only, as its own prebuilt browser build (app/vendor/mermaid), never bundled with the app.
 */
async function draw(code: string): Promise<{ svg: string } | { error: string }> {
  const { default: mermaid } = (await import(
    /* webpackIgnore: true */ /* turbopackIgnore: true */ mermaidBuild
  )) as typeof import("mermaid");
  mermaid.initialize({
    startOnLoad: false,
    securityLevel: "strict",
    // An error is ours to show (the source and a note), not a "bomb" SVG Mermaid adds to the page.
    suppressErrorRendering: true,
    theme: document.documentElement.classList.contains("dark") ? "dark" : "default",
  });
  try {
    await mermaid.parse(code);
    // An id of our own: Mermaid scopes the diagram's CSS by it, so two diagrams never share one.
    const { svg } = await mermaid.render(`mermaid-diagram-${++diagrams}`, code);
    return { svg };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * A ```mermaid block of a reply. While the reply streams, the block shows as code: half a diagram
 * would only draw a parse error on every token. Once the message part is complete the diagram is
 * drawn; if it does not parse, its source stays with a short note why.
 */
export function MermaidDiagram({ code, components: { Pre, Code } }: SyntaxHighlighterProps) {
  const streaming = useAuiState((s) => s.part.status.type === "running");
  const [drawn, setDrawn] = useState<Drawn | null>(null);

  useEffect(() => {
    if (streaming) return;
    let current = true;
    draw(code).then((result) => current && setDrawn({ code, ...result }));
    return () => {
      current = false;
    };
  }, [code, streaming]);

  if (drawn?.code === code && "svg" in drawn) {
    return (
      <div
        role="img"
        aria-label="Diagram"
        className="overflow-x-auto rounded-b-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-950 [&_svg]:mx-auto"
        dangerouslySetInnerHTML={{ __html: drawn.svg }}
      />
    );
  }
  return (
    <>
      <Pre>
        <Code>{code}</Code>
      </Pre>
      {drawn?.code === code && "error" in drawn && (
        <p className="text-xs text-zinc-600 dark:text-zinc-400" title={drawn.error}>
          This diagram could not be drawn: {firstLine(drawn.error)}
        </p>
      )}
    </>
  );
}

const firstLine = (message: string) => message.split("\n")[0]!.slice(0, 200);
