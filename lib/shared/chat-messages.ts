import type { ThreadMessage, ThreadMessageLike } from "@assistant-ui/react";
import type { UIMessage } from "ai";

/**
 * The browser speaks assistant-ui's message shape; the API and the database speak the AI SDK's
 * UIMessage ("ai-sdk/v6", see lib/chat/messages.ts). toUIMessage and fromUIMessage are the whole bridge, so the
 * AI SDK itself never ships to the browser (only its types are imported here).
 */

/** How messages are stored: the UIMessage without its id. */
export const messageFormat = "ai-sdk/v6";

/** The non-empty text parts of a stored message's content (images, reasoning and the rest left out). */
export function textParts(content: unknown): string[] {
  const parts = (content as { parts?: { type: string; text?: string }[] } | null)?.parts ?? [];
  return parts.flatMap((p) => (p.type === "text" && p.text ? [p.text] : []));
}

/** Set on a reply's `metadata.custom` when the server said the model finished. */
export type ReplyCustomMetadata = { finishReason?: string };

export function toUIMessage(message: ThreadMessage): UIMessage {
  const parts: UIMessage["parts"] = [];
  const done = message.role === "assistant" ? ({ state: "done" } as const) : {};
  for (const part of message.content) {
    if (part.type === "text") parts.push({ type: "text", text: part.text, ...done });
    else if (part.type === "reasoning") parts.push({ type: "reasoning", text: part.text, state: "done" });
  }
  // A user's attachments go as file parts naming the uploads (see the attachment adapter).
  for (const attachment of message.role === "user" ? message.attachments : []) {
    for (const part of attachment.content) {
      if (part.type === "file" && attachmentIdOf(part.data))
        parts.push({ type: "file", mediaType: part.mimeType, filename: part.filename, url: part.data });
    }
  }
  // Without a finish reason the server stores the reply as incomplete (Stop, a cut stream).
  const finishReason =
    message.role === "assistant" ? (message.metadata.custom as ReplyCustomMetadata).finishReason : undefined;
  return { id: message.id, role: message.role, parts, ...(finishReason ? { metadata: { finishReason } } : {}) };
}

/** An uploaded file as assistant-ui holds it: one file part naming the upload's URL. */
export function toAttachment(file: { id: string; name: string; mediaType: string; url: string }) {
  return {
    id: file.id,
    type: file.mediaType.startsWith("image/") ? "image" : file.mediaType === "application/pdf" ? "document" : "file",
    name: file.name,
    contentType: file.mediaType,
    status: { type: "complete" as const },
    content: [{ type: "file" as const, filename: file.name, mimeType: file.mediaType, data: file.url }],
  };
}

export function fromUIMessage(message: Pick<UIMessage, "id" | "role" | "parts">): ThreadMessageLike {
  const content = message.parts.flatMap((part) =>
    part.type === "text" || part.type === "reasoning" ? [{ type: part.type, text: part.text }] : [],
  );
  if (message.role !== "user") return { id: message.id, role: message.role, content };
  const attachments = attachmentParts(message).map((file) => toAttachment({ ...file, url: attachmentUrl(file.id) }));
  return { id: message.id, role: message.role, content, ...(attachments.length > 0 && { attachments }) };
}

/** A stored message as the messages API lists it. */
export type StoredMessageJson = {
  id: string;
  parentId: string | null;
  format: string;
  content: Pick<UIMessage, "role" | "parts">;
  status?: string;
};

/**
 * The branch the user was last on: the newest message and its ancestors, oldest first (the
 * list comes oldest first, so its last entry is the newest message). The one walk of a message
 * tree, server and browser: it visits each message at most once, so a parent loop written before
 * the store refused them ends the walk at the repeat instead of running for ever.
 */
export function lastBranch<M extends { id: string; parentId: string | null }>(messages: M[]): M[] {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const seen = new Set<string>();
  const branch: M[] = [];
  for (let m = messages.at(-1); m && !seen.has(m.id); m = m.parentId ? byId.get(m.parentId) : undefined) {
    seen.add(m.id);
    branch.push(m);
  }
  return branch.reverse();
}

/** `/chat/:id` or `/w/:slug/chat/:id` → the thread id; any other path → null (a new thread). */
export const threadIdFromPath = (pathname: string | null) =>
  /^(?:\/w\/[^/]+)?\/chat\/([^/]+)$/.exec(pathname ?? "")?.[1] ?? null;

/**
 * A thread's address in its space (`spacePath`: "" for the personal space, `/w/:slug` for a
 * workspace); no id: the space's new thread.
 */
export const threadPath = (id: string | null | undefined, spacePath = "") =>
  id ? `${spacePath}/chat/${id}` : spacePath || "/";

/** Where an uploaded attachment is read; a message's file parts point here, and nowhere else. */
export const attachmentUrl = (id: string) => `/api/attachments/${id}`;

const attachmentUrlPattern = /^\/api\/attachments\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

/** The attachment id a file part's url names; undefined for any other url. */
export const attachmentIdOf = (url: unknown): string | undefined =>
  typeof url === "string" ? attachmentUrlPattern.exec(url)?.[1] : undefined;

/** A stored message's attachments, as its file parts name them. */
export function attachmentParts(content: unknown): { id: string; name: string; mediaType: string }[] {
  const parts =
    (content as { parts?: { type: string; url?: string; filename?: string; mediaType?: string }[] } | null)?.parts ??
    [];
  return parts.flatMap((p) => {
    const id = p.type === "file" ? attachmentIdOf(p.url) : undefined;
    return id ? [{ id, name: p.filename ?? "file", mediaType: p.mediaType ?? "application/octet-stream" }] : [];
  });
}
