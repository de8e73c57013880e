"use client";

import type { TextMessagePartProps } from "@assistant-ui/react";
import { createElement } from "react";
import { onDemand } from "@/lib/client/on-demand";

/** The Markdown stack (react-markdown, remark-gfm, micromark): not in the chat's first load. */
export const markdownText = onDemand(() => import("@/components/chat/markdown-text"));

/** A reply's text as Markdown once its code is here: "…" until then, the plain text if it cannot be fetched. */
export function ReplyMarkdown(props: TextMessagePartProps) {
  const code = markdownText.useModule();
  if (code === "failed") return <p className="whitespace-pre-wrap">{props.text}</p>;
  if (!code) return <span className="text-zinc-400">…</span>;
  // It reads the part from assistant-ui's context, not from props.
  return createElement(code.MarkdownText);
}
