// Reads an export file one conversation at a time: a conversations.json (ChatGPT's or Claude's), or the zip
// either app sends, of which only the conversations.json entry is read. Run in the parse worker
// (lib/import/parse-worker.mjs); types in export-file.d.mts.
//
// Bounded whatever the file holds: it is read in small chunks; a zip is read through its table of contents
// (the central directory, capped in size), so no other entry is ever inflated or buffered, and what the entry
// inflates to is counted against `maxBytes`; one conversation may take at most `maxConversationBytes` of JSON
// and nest at most `maxDepth` deep; only one conversation is held at a time.
import { open } from "node:fs/promises";
import { Inflate } from "fflate";
import { TokenParser, TokenType, Tokenizer } from "@streamparser/json";
import { ImportProblem } from "./conversation.mjs";
import { isChatGptConversation, mapChatGptConversation } from "./chatgpt.mjs";
import { isClaudeConversation, mapClaudeConversation } from "./claude.mjs";

const chunkBytes = 64 * 1024;
// Compressed bytes handed to the inflater at once: deflate expands at most about 1,032×, so one push makes
// at most about 16 MB before the running total is checked again.
const zipChunkBytes = 16 * 1024;
const maxCentralDirectoryBytes = 32 * 1024 * 1024;
const maxDepth = 64;
// Files of a split export read at most (a real one has a few dozen): each costs a read and a parser whatever its
// size, so a table of contents listing a million tiny parts would cost seconds of CPU for nothing.
const maxParts = 1000;

const damaged = (why) => new ImportProblem(`The zip file is damaged or not a zip file: ${why}.`);

/** One conversation of either app as rows of this app's tree (see chatgpt.mjs and claude.mjs). */
export function mapConversation(raw, index, limits) {
  if (isChatGptConversation(raw)) return mapChatGptConversation(raw, index, limits);
  if (isClaudeConversation(raw)) return mapClaudeConversation(raw, index, limits);
  throw new ImportProblem(
    `Conversation ${index + 1} is neither a ChatGPT conversation (with a "mapping") nor a Claude one (with "chat_messages").`,
  );
}

async function readAt(handle, position, length) {
  const buffer = Buffer.alloc(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  if (bytesRead !== length) throw damaged("it ends too early");
  return buffer;
}

async function* rangeChunks(handle, start, end, size) {
  for (let position = start; position < end; position += size) {
    yield await readAt(handle, position, Math.min(size, end - position));
  }
}

/** The conversations entries of a zip, in reading order: where each one's data starts, how long it is and how it is compressed. */
async function locateConversations(handle, fileSize) {
  const tailLength = Math.min(fileSize, 22 + 65_535);
  const tail = await readAt(handle, fileSize - tailLength, tailLength);
  let end = -1;
  for (let i = tailLength - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw damaged("its table of contents is missing");
  let entries = tail.readUInt16LE(end + 10);
  let directorySize = tail.readUInt32LE(end + 12);
  let directoryOffset = tail.readUInt32LE(end + 16);
  if (entries === 0xffff || directorySize === 0xffffffff || directoryOffset === 0xffffffff) {
    // ZIP64: the real numbers are in a record the locator just before points at.
    if (end < 20 || tail.readUInt32LE(end - 20) !== 0x07064b50) throw damaged("its ZIP64 locator is missing");
    const at = Number(tail.readBigUInt64LE(end - 20 + 8));
    if (at + 56 > fileSize) throw damaged("its ZIP64 record is outside the file");
    const record = await readAt(handle, at, 56);
    if (record.readUInt32LE(0) !== 0x06064b50) throw damaged("its ZIP64 record is missing");
    entries = Number(record.readBigUInt64LE(32));
    directorySize = Number(record.readBigUInt64LE(40));
    directoryOffset = Number(record.readBigUInt64LE(48));
  }
  if (directorySize > maxCentralDirectoryBytes) {
    throw new ImportProblem("The zip file lists too many files. Upload its conversations.json alone.");
  }
  if (directoryOffset + directorySize > fileSize) throw damaged("its table of contents is outside the file");
  const directory = await readAt(handle, directoryOffset, directorySize);
  // At the top, or in the one folder an export may be wrapped in (the top wins): conversations.json, or
  // the numbered parts newer exports split it into (conversations-000.json, conversations-001.json, …).
  const candidates = [];
  for (let i = 0, n = 0; n < entries; n++) {
    if (i + 46 > directory.length || directory.readUInt32LE(i) !== 0x02014b50)
      throw damaged("its table of contents is cut short");
    const flags = directory.readUInt16LE(i + 8);
    const method = directory.readUInt16LE(i + 10);
    let compressedSize = directory.readUInt32LE(i + 20);
    let size = directory.readUInt32LE(i + 24);
    const nameLength = directory.readUInt16LE(i + 28);
    const extraLength = directory.readUInt16LE(i + 30);
    const commentLength = directory.readUInt16LE(i + 32);
    let localOffset = directory.readUInt32LE(i + 42);
    const next = i + 46 + nameLength + extraLength + commentLength;
    if (next > directory.length) throw damaged("its table of contents is cut short");
    const name = directory.toString("utf8", i + 46, i + 46 + nameLength);
    const match = /^(?:(?!__MACOSX\/)([^/]+)\/)?conversations(-\d{1,6})?\.json$/.exec(name);
    if (match && candidates.length >= maxParts) {
      throw new ImportProblem(
        `The zip file holds more than ${maxParts} conversations files, the most one import reads.`,
      );
    }
    if (match) {
      // ZIP64 sizes and offset, in this order, for each of them that is 0xffffffff above.
      const extra = directory.subarray(i + 46 + nameLength, i + 46 + nameLength + extraLength);
      for (let e = 0; e + 4 <= extra.length;) {
        const id = extra.readUInt16LE(e);
        const length = extra.readUInt16LE(e + 2);
        if (id === 0x0001) {
          let f = e + 4;
          const take = () => {
            if (f + 8 > e + 4 + length) throw damaged("an entry's ZIP64 fields are cut short");
            const value = Number(extra.readBigUInt64LE(f));
            f += 8;
            return value;
          };
          if (size === 0xffffffff) size = take();
          if (compressedSize === 0xffffffff) compressedSize = take();
          if (localOffset === 0xffffffff) localOffset = take();
        }
        e += 4 + length;
      }
      candidates.push({
        // Shown in refusals: a folder name may be 64 KB long.
        name: name.length > 120 ? `…${name.slice(-119)}` : name,
        depth: match[1] ? 1 : 0,
        part: match[2] !== undefined,
        flags,
        method,
        compressedSize,
        localOffset,
      });
    }
    i = next;
  }
  const depth = candidates.reduce((min, c) => Math.min(min, c.depth), Infinity);
  const top = candidates.filter((c) => c.depth === depth);
  // The whole file when there is one; else its parts, in order.
  const whole = top.filter((c) => !c.part);
  const chosen = whole.length > 0 ? whole.slice(0, 1) : top.sort((a, b) => (a.name < b.name ? -1 : 1));
  if (chosen.length === 0) {
    throw new ImportProblem(
      "This zip file has no conversations.json. Upload the zip ChatGPT or Claude sent, or the conversations.json inside it.",
    );
  }
  const located = [];
  for (const found of chosen) {
    if (found.flags & 1) throw new ImportProblem("This zip file is encrypted. Upload an unencrypted export.");
    if (found.method !== 0 && found.method !== 8) {
      throw new ImportProblem(`The ${found.name} in this zip is compressed in a way this app cannot read.`);
    }
    const local = await readAt(handle, found.localOffset, 30);
    if (local.readUInt32LE(0) !== 0x04034b50) throw damaged("an entry's header is missing");
    const start = found.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (start + found.compressedSize > fileSize) throw damaged("an entry runs past the end of the file");
    located.push({ name: found.name, start, end: start + found.compressedSize, method: found.method });
  }
  return located;
}

/** The uncompressed bytes of one entry of the zip (the caller counts them against its limit). */
async function* zipEntryChunks(handle, entry) {
  if (entry.method === 0) {
    yield* rangeChunks(handle, entry.start, entry.end, chunkBytes);
    return;
  }
  let out = [];
  let ended = false;
  const inflate = new Inflate((data, final) => {
    out.push(data);
    if (final) ended = true;
  });
  const push = (chunk, final) => {
    try {
      inflate.push(chunk, final);
    } catch {
      throw damaged(`its ${entry.name} could not be uncompressed`);
    }
  };
  for await (const chunk of rangeChunks(handle, entry.start, entry.end, zipChunkBytes)) {
    push(chunk, false);
    const ready = out;
    out = [];
    yield* ready;
    if (ended) return;
  }
  push(new Uint8Array(0), true);
  yield* out;
}

const tooLarge = (maxBytes) =>
  new ImportProblem(
    `The conversations are larger than ${maxBytes} bytes once uncompressed, the most one import may hold.`,
    "payload_too_large",
  );

/**
 * Calls `onConversation(value, index)` for each element of the file's top-level array (of each
 * part's, in order, for a split export), one at a time (awaited before the next chunk is read).
 * Returns how many there were. Throws ImportProblem for anything that is not such a file.
 */
export async function readExport(path, limits, onConversation) {
  const handle = await open(path, "r");
  try {
    const { size } = await handle.stat();
    if (size === 0) throw new ImportProblem("The file is empty.");
    const magic = await readAt(handle, 0, Math.min(4, size));
    const isZip = size >= 4 && magic.readUInt32LE(0) === 0x04034b50;
    const parts = isZip
      ? (await locateConversations(handle, size)).map((entry) => ({
          where: ` (its ${entry.name})`,
          chunks: () => zipEntryChunks(handle, entry),
        }))
      : [{ where: "", chunks: () => rangeChunks(handle, 0, size, chunkBytes) }];
    const state = { count: 0, written: 0 };
    for (const part of parts) await readArray(part, limits, state, onConversation);
    return state.count;
  } finally {
    await handle.close();
  }
}

/** One JSON document that must be a list of conversations, read chunk by chunk. */
async function readArray(part, limits, state, onConversation) {
  const tokenizer = new Tokenizer();
  const parser = new TokenParser({ paths: ["$.*"], keepStack: false });
  const ready = [];
  const conversationTooLarge = (index) =>
    new ImportProblem(
      `Conversation ${index + 1} is larger than ${limits.maxConversationBytes} bytes of JSON, the most one conversation may take.`,
      "payload_too_large",
    );
  let depth = 0;
  let first = true;
  let read = 0;
  // Where the list's current element began (just after its "[" or ","), -1 outside the list. Counted from there,
  // not from its "{", so an element that is a bare string or number (built whole by the tokenizer) is bounded too.
  let elementStart = -1;
  tokenizer.onToken = (info) => {
    const { token } = info;
    if (first) {
      first = false;
      if (token !== TokenType.LEFT_BRACKET) {
        throw new ImportProblem(
          `This is not a ChatGPT or Claude export${part.where}: its conversations.json is a list of conversations, and this file is not a list.`,
        );
      }
    }
    if (depth === 1 && (token === TokenType.COMMA || token === TokenType.RIGHT_BRACKET)) {
      // The element before ended (a scalar one was handed over already).
      if (info.offset - elementStart > limits.maxConversationBytes) {
        throw conversationTooLarge(Math.max(0, state.count + ready.length - 1));
      }
      elementStart = info.offset + 1;
    }
    if (token === TokenType.LEFT_BRACE || token === TokenType.LEFT_BRACKET) {
      if (depth === 0) elementStart = info.offset + 1;
      if (++depth > maxDepth) {
        throw new ImportProblem(
          `Conversation ${state.count + ready.length + 1} is nested more than ${maxDepth} levels deep.`,
        );
      }
    } else if (token === TokenType.RIGHT_BRACE || token === TokenType.RIGHT_BRACKET) {
      depth--;
      if (depth === 1 && info.offset + 1 - elementStart > limits.maxConversationBytes) {
        throw conversationTooLarge(state.count + ready.length);
      }
      if (depth === 0) elementStart = -1;
    }
    parser.write(info);
  };
  parser.onValue = ({ value, stack }) => {
    if (stack.length === 1) ready.push(value);
  };
  const feed = (chunk) => {
    try {
      tokenizer.write(chunk);
    } catch (error) {
      if (error instanceof ImportProblem) throw error;
      throw new ImportProblem(
        `The file is not valid JSON${part.where} near byte ${read}: ${String(error?.message ?? error).slice(0, 200)}`,
      );
    }
  };
  for await (let chunk of part.chunks()) {
    // A UTF-8 byte order mark before the JSON is allowed (Windows tools write one).
    if (read === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
    read += chunk.length;
    state.written += chunk.length;
    if (state.written > limits.maxBytes) throw tooLarge(limits.maxBytes);
    feed(chunk);
    if (elementStart >= 0 && read - elementStart > limits.maxConversationBytes) {
      throw conversationTooLarge(state.count + ready.length);
    }
    while (ready.length > 0) await onConversation(ready.shift(), state.count++);
  }
  if (first) throw new ImportProblem(`The file is empty${part.where}.`);
  try {
    tokenizer.end();
    if (!parser.isEnded) throw new Error("unfinished");
  } catch {
    throw new ImportProblem(`The file ends in the middle of its JSON${part.where}: it may be cut short.`);
  }
  while (ready.length > 0) await onConversation(ready.shift(), state.count++);
}
