import type { ThreadMessage, ThreadMessageLike } from "@assistant-ui/react";
import type { UIMessage } from "ai";
import type { ReadonlyJSONObject } from "assistant-stream/utils";

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

/** Messages of a branch a chat request carries at most: the newest, as the model's context. */
export const contextMessageLimit = 100;
/** JSON bytes of those messages at most, well under the chat request's body limit (MAX_REQUEST_BYTES, 1 MB). */
const contextBytes = 512 * 1024;

/**
 * The newest messages of a branch that go with a new one, so a thread of any length (a long or an
 * imported one) can always be continued within the chat request's limits; older ones stay stored,
 * and the model sees the newest part of the conversation. The new message and its parent always
 * go: the server stores the new message under the one before it.
 */
export function newestForContext(messages: UIMessage[]): UIMessage[] {
  let start = messages.length;
  let bytes = 0;
  while (start > 0 && messages.length - start < contextMessageLimit) {
    const size = JSON.stringify(messages[start - 1]).length;
    if (messages.length - start >= 2 && bytes + size > contextBytes) break;
    bytes += size;
    start--;
  }
  return messages.slice(start);
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
  const content = message.parts.flatMap((part): Exclude<ThreadMessageLike["content"], string>[number][] => {
    if (part.type === "text" || part.type === "reasoning") return [{ type: part.type, text: part.text }];
    // A tool call the server ran (only replies hold them, and only the server writes them).
    const call = message.role === "assistant" ? storedToolCall(part) : null;
    if (!call) return [];
    const args = call.input !== null && typeof call.input === "object" && !Array.isArray(call.input) ? call.input : {};
    return [
      {
        type: "tool-call",
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        args: args as ReadonlyJSONObject,
        argsText: typeof call.input === "string" ? call.input : JSON.stringify(call.input ?? {}),
        ...(call.result && { result: call.result, isError: call.result.outcome !== "allowed" }),
        ...(call.title && { artifact: { title: call.title } satisfies ToolCallArtifact }),
      },
    ];
  });
  if (message.role !== "user") return { id: message.id, role: message.role, content };
  const attachments = attachmentParts(message).map((file) => toAttachment({ ...file, url: attachmentUrl(file.id) }));
  return { id: message.id, role: message.role, content, ...(attachments.length > 0 && { attachments }) };
}

/**
 * What a tool call ended with, as the server hands it to the model and the reply holds it
 * (the output of an AI SDK tool part): `text` is the tool's result, or why it did not run.
 */
export type ToolOutcome = "allowed" | "denied" | "failed" | "timed_out" | "stopped";
export type ToolCallOutput = { outcome: ToolOutcome | (string & {}); text: string };

/** A tool call's approval as the reply stream tells it (transient `data-tool-approval` chunks). */
export type ToolApprovalData = {
  toolCallId: string;
  state: "awaiting" | "approved" | "denied";
  server: string;
  tool: string;
};

/** Kept on an assistant-ui tool-call part read from storage: the tool's title, "<server> · <tool>". */
export type ToolCallArtifact = { title?: string };

/** A stored AI SDK tool part (`dynamic-tool`, or `tool-<name>`) as the UI and exports need it; null for any other part. */
export function storedToolCall(part: { type: string } & Record<string, unknown>): {
  toolCallId: string;
  toolName: string;
  title: string | null;
  input: unknown;
  /** Absent while the call had no answer yet (the reply was cut short before it). */
  result: ToolCallOutput | null;
} | null {
  const toolName =
    part.type === "dynamic-tool"
      ? part.toolName
      : part.type.startsWith("tool-")
        ? part.type.slice("tool-".length)
        : undefined;
  if (typeof toolName !== "string" || typeof part.toolCallId !== "string") return null;
  return {
    toolCallId: part.toolCallId,
    toolName,
    title: typeof part.title === "string" ? part.title : null,
    input: part.input,
    result: storedToolResult(part),
  };
}

function storedToolResult(part: Record<string, unknown>): ToolCallOutput | null {
  if (part.state === "output-available") {
    const output = part.output as Partial<ToolCallOutput> | null | undefined;
    if (output && typeof output === "object" && typeof output.outcome === "string")
      return { outcome: output.outcome, text: typeof output.text === "string" ? output.text : "" };
    return { outcome: "allowed", text: typeof part.output === "string" ? part.output : JSON.stringify(part.output) };
  }
  if (part.state === "output-error")
    return { outcome: "failed", text: typeof part.errorText === "string" ? part.errorText : "" };
  if (part.state === "output-denied") return { outcome: "denied", text: "" };
  return null;
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
 * list comes oldest first, so its last entry is the newest message).
 */
export function lastBranch<M extends { id: string; parentId: string | null }>(messages: M[]): M[] {
  return branchEndingAt(messages, messages.at(-1)?.id ?? null);
}

/**
 * Message `id` and its ancestors, at most `count` (the newest of them), oldest first: a branch, or
 * what goes before a message the runtime holds as a first one (a long thread's newest part) when it is
 * sent to the model. The one walk of a message tree, server and browser: it visits each message at
 * most once, so a parent loop written before the store refused them ends the walk at the repeat
 * instead of running for ever.
 */
export function branchEndingAt<M extends { id: string; parentId: string | null }>(
  messages: M[],
  id: string | null,
  count = Infinity,
): M[] {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const seen = new Set<string>();
  const branch: M[] = [];
  for (let m = id ? byId.get(id) : undefined; m && branch.length < count && !seen.has(m.id);) {
    seen.add(m.id);
    branch.push(m);
    m = m.parentId ? byId.get(m.parentId) : undefined;
  }
  return branch.reverse();
}

/** Messages a thread opens with on screen: its newest, more than a tall screen holds. */
export const openingWindow = 20;

/** What the chat runtime holds of a long thread (see `newestPartOfThread`). */
export type ThreadPart<M> = {
  messages: M[];
  /** The first message held of the branch, or null when the thread is held whole. */
  rootId: string | null;
  /** The stored parent of `rootId` and its siblings: the runtime holds them as first messages, the server under it. */
  rootParentId: string | null;
  /** Messages of the branch older than `rootId`, not held. */
  hidden: number;
};

/**
 * What the chat runtime holds of a long thread when it opens: the newest `openingWindow` messages of
 * the branch the person was last on, and everything branching off from the first of them down (its
 * siblings included, so branches switch as in the whole thread). The rest of the branch (`hidden`
 * messages) is loaded when the reader scrolls up to it, and what a message sent meanwhile needs of it
 * as the model's context is read then (history-adapter's `contextBeforeHeld`). A shorter thread is
 * held whole. The runtime's cost grows with every message it holds, so it holds what is on screen.
 * Messages come oldest first, as the API lists them; the walks are bounded by their number.
 */
export function newestPartOfThread<M extends { id: string; parentId: string | null }>(messages: M[]): ThreadPart<M> {
  const branch = lastBranch(messages);
  if (branch.length <= openingWindow) return { messages, rootId: null, rootParentId: null, hidden: 0 };
  const root = branch[branch.length - openingWindow]!;
  const children = new Map<string, string[]>();
  for (const m of messages) {
    if (m.parentId === null) continue;
    const siblings = children.get(m.parentId);
    if (siblings) siblings.push(m.id);
    else children.set(m.parentId, [m.id]);
  }
  // The part's first level is every child of the root's parent: the root and its siblings (edits of
  // it), so its branch picker counts them all.
  const firstLevel = (root.parentId !== null && children.get(root.parentId)) || [root.id];
  const kept = new Set(firstLevel);
  const pending = [...firstLevel];
  while (pending.length > 0)
    for (const child of children.get(pending.pop()!) ?? [])
      if (!kept.has(child)) {
        kept.add(child);
        pending.push(child);
      }
  return {
    messages: messages.filter((m) => kept.has(m.id)),
    rootId: root.id,
    rootParentId: root.parentId,
    hidden: branch.length - openingWindow,
  };
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

/**
 * Invisible and direction-changing characters (bidi overrides and isolates, zero-width, BOM) shown
 * as `\uXXXX`: what the person approves must read as what is sent, not as a string such a
 * character rearranges or hides. Line and tab stay; other controls are escaped too.
 */
export const visibleText = (text: string) =>
  text.replace(/[\p{Cf}\u2028\u2029]|(?![\n\t])\p{Cc}/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
