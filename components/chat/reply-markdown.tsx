"use client";

import type { TextMessagePartProps } from "@assistant-ui/react";
import { createElement, useEffect, useState, type ComponentType } from "react";

let markdownText: ComponentType<TextMessagePartProps> | null = null;
let markdownTextLoad: Promise<void> | null = null;

/** Fetches the Markdown stack (react-markdown, remark-gfm, micromark), which is not in the chat's first load. */
export function loadMarkdownText(): Promise<void> {
  markdownTextLoad ??= import("@/components/chat/markdown-text").then(
    (m) => {
      markdownText = m.MarkdownText;
    },
    (error: unknown) => {
      markdownTextLoad = null;
      throw error;
    },
  );
  return markdownTextLoad;
}

/**
 * A reply's text as Markdown, once the Markdown code is here ("…" until then, the plain text if it
 * cannot be fetched). Not a lazy component: a lazy one suspends on its first render even when its
 * code is already fetched, and a Suspense boundary that showed its fallback holds back the render
 * that reveals it (React throttles reveals, up to 300 ms): every thread opened waited for it.
 */
export function ReplyMarkdown(props: TextMessagePartProps) {
  const [state, setState] = useState<"ready" | "loading" | "failed">(markdownText ? "ready" : "loading");
  useEffect(() => {
    if (state !== "loading") return;
    let current = true;
    loadMarkdownText().then(
      () => current && setState("ready"),
      () => current && setState("failed"),
    );
    return () => {
      current = false;
    };
  }, [state]);
  if (state === "ready" && markdownText) return createElement(markdownText, props);
  if (state === "failed") return <p className="whitespace-pre-wrap">{props.text}</p>;
  return <span className="text-zinc-400">…</span>;
}
