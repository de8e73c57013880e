import "server-only";
import { attachmentParts, attachmentUrl, lastBranch, textParts } from "@/lib/shared/chat-messages";
import type { ExportedThread } from "@/lib/chat/threads";

export function threadToMarkdown(thread: ExportedThread): string {
  const lines = [`# ${thread.title ?? "New chat"}`, ""];
  for (const m of lastBranch(thread.messages)) {
    lines.push(
      `## ${m.role === "user" ? "You" : m.role === "assistant" ? "Assistant" : "System"}`,
      "",
      textParts(m.content).join("\n\n"),
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
