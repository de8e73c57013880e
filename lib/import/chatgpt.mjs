// One conversation of a ChatGPT export (an element of its conversations.json) as rows of this app's message tree.
// Types in chatgpt.d.mts.
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

/** A ChatGPT conversation has a `mapping` of message nodes; a Claude one has `chat_messages`. */
export const isChatGptConversation = (value) => isObject(value) && "mapping" in value;

/**
 * What a node shows the person, or null for a node that is not a message of theirs or the
 * model's: system and tool messages, hidden ones (custom instructions, memory), the model's calls
 * to its tools, its reasoning, and deleted (null or empty) messages.
 */
function visibleMessage(message) {
  if (!isObject(message)) return null;
  const role = isObject(message.author) ? message.author.role : undefined;
  if (role !== "user" && role !== "assistant") return null;
  const metadata = isObject(message.metadata) ? message.metadata : {};
  if (metadata.is_visually_hidden_from_conversation === true) return null;
  if (typeof message.recipient === "string" && message.recipient !== "all") return null;
  const content = isObject(message.content) ? message.content : {};
  if (content.content_type !== "text" && content.content_type !== "multimodal_text") return null;
  const pieces = [];
  for (const part of Array.isArray(content.parts) ? content.parts : []) {
    if (typeof part === "string") {
      if (part) pieces.push(part);
    } else if (isObject(part)) {
      if (part.content_type === "audio_transcription" && typeof part.text === "string") {
        if (part.text) pieces.push(part.text);
      } else if (part.content_type === "image_asset_pointer") {
        const name = isObject(part.metadata) && isObject(part.metadata.dalle) ? "generated image" : "image";
        pieces.push(attachmentNote(name));
      } else if (typeof part.content_type === "string" && part.content_type.endsWith("_asset_pointer")) {
        pieces.push(attachmentNote(part.content_type.slice(0, -"_asset_pointer".length).replaceAll("_", " ")));
      }
    }
  }
  for (const file of Array.isArray(metadata.attachments) ? metadata.attachments : []) {
    if (isObject(file)) pieces.push(attachmentNote(file.name));
  }
  const text = cleanText(pieces.join("\n\n"));
  if (!text.trim()) return null;
  return { role, text, time: timeOf(message.create_time) };
}

/**
 * Maps one conversation; throws ImportProblem naming it (`index` is its position in the file)
 * when it is malformed or breaks a limit. The mapping is read through `parent` links alone (its
 * `children` lists repeat them), from its roots, so a node in a loop, or a parent named twice, is
 * never reached twice: a loop is refused. Skipped nodes hand their children to the nearest
 * message that is kept, so a branch under a hidden node stays a branch.
 */
export function mapChatGptConversation(raw, index, limits) {
  const where = describe(index, isObject(raw) ? raw.title : null);
  if (!isObject(raw) || !isObject(raw.mapping)) {
    throw new ImportProblem(`${where} is not a ChatGPT conversation: it has no "mapping" of messages.`);
  }
  const keys = Object.keys(raw.mapping);
  checkMessageCount(where, keys.length, limits);
  const childrenOf = new Map();
  const roots = [];
  for (const key of keys) {
    const node = raw.mapping[key];
    if (!isObject(node)) throw new ImportProblem(`${where}: its message "${cleanTitle(key, 60)}" is not an object.`);
    const parent = node.parent;
    if (parent !== undefined && parent !== null && typeof parent !== "string") {
      throw new ImportProblem(`${where}: a message's "parent" is neither an id nor null.`);
    }
    if (typeof parent === "string" && parent !== key && Object.hasOwn(raw.mapping, parent)) {
      const siblings = childrenOf.get(parent);
      if (siblings) siblings.push(key);
      else childrenOf.set(parent, [key]);
    } else if (typeof parent === "string" && parent === key) {
      throw new ImportProblem(`${where}: its message tree has a loop (a message is its own parent).`);
    } else {
      roots.push(key);
    }
  }
  const kept = [];
  let reached = 0;
  // (node, nearest kept ancestor): parents are always pushed into `kept` before their children.
  const stack = roots.map((key) => [key, null]);
  while (stack.length > 0) {
    const [key, keptAncestor] = stack.pop();
    reached++;
    const shown = visibleMessage(raw.mapping[key].message);
    if (shown) kept.push({ key, parent: keptAncestor, ...shown });
    for (const child of childrenOf.get(key) ?? []) stack.push([child, shown ? key : keptAncestor]);
  }
  if (reached !== keys.length) throw new ImportProblem(`${where}: its message tree has a loop.`);

  // The branch the person was last on ends at `current_node`, or at the nearest kept message above it.
  let head = null;
  const keptKeys = new Set(kept.map((m) => m.key));
  for (let key = raw.current_node, steps = 0; typeof key === "string" && steps <= keys.length; steps++) {
    if (!Object.hasOwn(raw.mapping, key)) break;
    if (keptKeys.has(key)) {
      head = key;
      break;
    }
    key = raw.mapping[key].parent;
  }
  return finishConversation({
    title: cleanTitle(raw.title, limits.maxTitleChars),
    createdAt: timeOf(raw.create_time),
    updatedAt: timeOf(raw.update_time),
    kept,
    head,
    limits,
    where,
  });
}
