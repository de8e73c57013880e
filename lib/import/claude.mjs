// One conversation of a Claude export (an element of its conversations.json) as rows of this app's message tree.
// Types in claude.d.mts.
import {
  ImportProblem,
  attachmentNote,
  cleanText,
  cleanTitle,
  checkMessageCount,
  describe,
  finishConversation,
  isObject,
  timeOf,
} from "./conversation.mjs";

export const isClaudeConversation = (value) => isObject(value) && "chat_messages" in value;

/** The text a message shows: its text blocks (tool calls, results and thinking left out), else its `text`; and a note per file. */
function visibleText(message) {
  const pieces = [];
  const blocks = Array.isArray(message.content) ? message.content : null;
  if (blocks) {
    for (const block of blocks) {
      if (isObject(block) && block.type === "text" && typeof block.text === "string" && block.text)
        pieces.push(block.text);
    }
  }
  if (pieces.length === 0 && typeof message.text === "string" && message.text) pieces.push(message.text);
  // Newer exports name a message's files twice (`files`, `files_v2`): each is noted once.
  const named = new Set();
  for (const list of [message.attachments, message.files, message.files_v2]) {
    for (const file of Array.isArray(list) ? list : []) {
      if (!isObject(file)) continue;
      const note = attachmentNote(file.file_name ?? file.name);
      if (!named.has(note)) pieces.push(note);
      named.add(note);
    }
  }
  return cleanText(pieces.join("\n\n"));
}

/**
 * Maps one conversation; throws ImportProblem naming it (`index` is its position in the file)
 * when it is malformed or breaks a limit. Messages come in the order they were written. A
 * message's `parent_message_uuid` is followed when it names an earlier message (so no loop can
 * form); otherwise it follows the message before it. A skipped message (empty, or from neither
 * the person nor the model) hands its place to the nearest kept message above it.
 */
export function mapClaudeConversation(raw, index, limits) {
  const where = describe(index, isObject(raw) ? raw.name : null);
  if (!isObject(raw) || !Array.isArray(raw.chat_messages)) {
    throw new ImportProblem(`${where} is not a Claude conversation: it has no list of "chat_messages".`);
  }
  const list = raw.chat_messages;
  checkMessageCount(where, list.length, limits);
  // Each message's uuid → the kept message that stands for it (itself, or its nearest kept ancestor).
  const standsFor = new Map();
  const kept = [];
  let previous = null;
  for (const [position, message] of list.entries()) {
    if (!isObject(message)) throw new ImportProblem(`${where}: message ${position + 1} is not an object.`);
    const uuid = typeof message.uuid === "string" ? message.uuid : null;
    const named = message.parent_message_uuid;
    const parent =
      typeof named === "string"
        ? standsFor.has(named)
          ? standsFor.get(named)
          : // The export's root marker, or a parent not earlier in the list: follow the message before.
            /^0{8}-0{4}-/.test(named)
            ? null
            : previous
        : previous;
    const role =
      message.sender === "human" || message.sender === "user"
        ? "user"
        : message.sender === "assistant"
          ? "assistant"
          : null;
    const text = role ? visibleText(message) : "";
    let self = parent;
    if (role && text.trim()) {
      const key = `m${position}`;
      kept.push({ key, parent, role, text, time: timeOf(message.created_at) });
      self = key;
    }
    if (uuid !== null && !standsFor.has(uuid)) standsFor.set(uuid, self);
    previous = self;
  }
  // The branch the person was last on: Claude's export names no current message, so the last one written.
  const head =
    typeof raw.current_leaf_message_uuid === "string"
      ? (standsFor.get(raw.current_leaf_message_uuid) ?? previous)
      : previous;
  return finishConversation({
    title: cleanTitle(raw.name, limits.maxTitleChars),
    createdAt: timeOf(raw.created_at),
    updatedAt: timeOf(raw.updated_at),
    kept,
    head,
    limits,
    where,
  });
}
