import "server-only";
import { attachmentParts, attachmentUrl, lastBranch, storedToolCall } from "@/lib/shared/chat-messages";
import type { ExportedThread } from "@/lib/chat/threads";

export function threadToMarkdown(thread: ExportedThread): string {
  const lines = [`# ${thread.title ?? "New chat"}`, ""];
  for (const m of lastBranch(thread.messages)) {
    lines.push(
      `## ${m.role === "user" ? "You" : m.role === "assistant" ? "Assistant" : "System"}`,
      "",
      messageBody(m.content),
      "",
    );
    // Attachments as links: they open for the signed-in owner, like in the app.
    const files = attachmentParts(m.content);
    if (files.length > 0)
      lines.push(
        ...files.map((f) => `- Attachment: [${f.name.replace(/[[\]\\]/g, "\\$&")}](${attachmentUrl(f.id)})`),
        "",
      );
  }
  return lines.join("\n");
}

/**
 * A message's words, with each tool call it made as a line naming the tool and its outcome, in
 * the order they came (a tool's arguments and result stay out; the JSON export has them).
 */
function messageBody(content: unknown): string {
  const parts = (content as { parts?: ({ type: string } & Record<string, unknown>)[] } | null)?.parts ?? [];
  return parts
    .flatMap((part) => {
      if (part.type === "text") return typeof part.text === "string" && part.text ? [part.text] : [];
      const call = storedToolCall(part);
      if (!call) return [];
      // One line, and no link or HTML can start in it: a title is the server's to choose.
      const name = (call.title ?? call.toolName).replace(/\s+/g, " ").replace(/[[\]\\<>]/g, "\\$&");
      return [`Tool ${name}: ${call.result?.outcome ?? "stopped"}`];
    })
    .join("\n\n");
}

/** A file name from a title: letters, digits and dashes only. */
export function exportFileName(title: string | null, extension: string): string {
  const base =
    (title ?? "chat")
      .normalize("NFKD")
      .replace(/[^\w-]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60) || "chat";
  return `${base}.${extension}`;
}

export function attachment(body: string, type: string, fileName: string): Response {
  return new Response(body, {
    headers: { "content-type": `${type}; charset=utf-8`, "content-disposition": `attachment; filename="${fileName}"` },
  });
}
