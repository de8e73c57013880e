// What the ChatGPT and Claude mappers share (lib/import/chatgpt.mjs, lib/import/claude.mjs): the limits, the
// refusal, clean text, and turning a tree of kept messages into rows of this app's message tree. Plain JavaScript
// so the parse worker (lib/import/parse-worker.mjs) runs it outside the bundles, as `next start` and the
// standalone folder both can; its types are in conversation.d.mts.
import { randomUUID } from "node:crypto";

/** A file or a conversation this import refuses: the message is shown to the person as is. */
export class ImportProblem extends Error {
  /** @param {string} message @param {"bad_request" | "payload_too_large"} code */
  constructor(message, code = "bad_request") {
    super(message);
    this.name = "ImportProblem";
    this.code = code;
  }
}

/** Dates before this or more than a day ahead are no real conversation's: treated as missing. */
const earliest = Date.UTC(2000, 0, 1);

/** A time in milliseconds from seconds since the epoch (ChatGPT) or an ISO string (Claude); null when there is none that makes sense. */
export function timeOf(value) {
  let ms = null;
  if (typeof value === "number" && Number.isFinite(value)) ms = value * 1000;
  else if (typeof value === "string" && value.length <= 64) ms = Date.parse(value);
  if (ms === null || !Number.isFinite(ms) || ms < earliest || ms > Date.now() + 86_400_000) return null;
  return Math.floor(ms);
}

/** Text PostgreSQL can store and people can read: NUL and lone surrogates replaced, not refused. */
export const cleanText = (text) => text.replaceAll("\u0000", "\uFFFD").toWellFormed();

/** A title as the app stores it: trimmed, at most `maxChars` (cut with an ellipsis), null when empty. */
export function cleanTitle(value, maxChars) {
  if (typeof value !== "string") return null;
  const title = cleanText(value).replace(/\s+/g, " ").trim();
  if (!title) return null;
  return title.length > maxChars ? `${title.slice(0, maxChars - 1).trimEnd()}…` : title;
}

/** The note that stands where a file was: the export does not hold it, or this import does not read it. */
export const attachmentNote = (name) =>
  `[Attachment not included in the export: ${cleanTitle(typeof name === "string" ? name : "", 200) ?? "file"}]`;

/** How a conversation is named in a refusal: its position in the file and, when it has one, its title. */
export function describe(index, title) {
  const name = typeof title === "string" ? cleanTitle(title, 80) : null;
  return `Conversation ${index + 1}${name ? ` ("${name}")` : ""}`;
}

/** A conversation with more messages than one may have is refused whole. */
export function checkMessageCount(where, count, limits) {
  if (count > limits.maxMessagesPerConversation) {
    throw new ImportProblem(
      `${where} has ${count} messages; a conversation may have at most ${limits.maxMessagesPerConversation}.`,
      "payload_too_large",
    );
  }
}

export const isObject = (value) => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Turns the kept messages of one conversation into rows of this app's tree. `kept` lists them
 * parents first (each `parent` is null or the key of an earlier entry, so there is no loop by
 * construction); `head` is the key of the message the person was last on (or null).
 *
 * Times: a message keeps its own time when it has one, but always comes after its parent (the
 * app's tree rule: a parent is written before its children) and a message without one gets its
 * parent's plus a millisecond. The app shows the branch of the newest message, so the head, when
 * it is a leaf, is moved just past every other message if it is not the newest already.
 */
export function finishConversation({ title, createdAt, updatedAt, kept, head, limits, where }) {
  const byKey = new Map();
  const children = new Map();
  const roots = [];
  for (const [order, m] of kept.entries()) {
    if (m.text.length > limits.maxMessageChars) {
      throw new ImportProblem(
        `${where}: message ${order + 1} has ${m.text.length} characters; a message may have at most ${limits.maxMessageChars}.`,
      );
    }
    const entry = { ...m, order, id: randomUUID(), at: 0 };
    byKey.set(m.key, entry);
    if (m.parent === null) roots.push(entry);
    else if (children.has(m.parent)) children.get(m.parent).push(entry);
    else children.set(m.parent, [entry]);
  }
  const sibling = (a, b) => (a.time ?? Infinity) - (b.time ?? Infinity) || a.order - b.order;
  const fallback = createdAt ?? kept.find((m) => m.time !== null)?.time ?? Date.now();
  const rows = [];
  const stack = roots.sort(sibling).reverse();
  while (stack.length > 0) {
    const entry = stack.pop();
    const parent = entry.parent === null ? null : byKey.get(entry.parent);
    entry.at = parent ? Math.max(entry.time ?? parent.at + 1, parent.at + 1) : (entry.time ?? fallback);
    rows.push(entry);
    stack.push(...(children.get(entry.key) ?? []).sort(sibling).reverse());
  }
  const headEntry = head === null ? undefined : byKey.get(head);
  if (headEntry && !children.has(headEntry.key) && rows.some((r) => r !== headEntry && r.at >= headEntry.at)) {
    headEntry.at = rows.reduce((max, r) => Math.max(max, r.at), -Infinity) + 1;
  }
  rows.sort((a, b) => a.at - b.at);
  const lastMessageAt = rows.at(-1)?.at ?? null;
  const created = createdAt ?? rows[0]?.at ?? fallback;
  const updated = Math.max(updatedAt ?? created, lastMessageAt ?? created, created);
  return {
    title,
    createdAt: created,
    updatedAt: updated,
    lastMessageAt,
    messages: rows.map((r) => ({
      id: r.id,
      parentId: r.parent === null ? null : byKey.get(r.parent).id,
      role: r.role,
      createdAt: r.at,
      content: JSON.stringify({
        role: r.role,
        parts: [
          r.role === "assistant" ? { type: "text", text: r.text, state: "done" } : { type: "text", text: r.text },
        ],
      }),
    })),
  };
}
