/** Types of conversation.mjs (plain JavaScript, run in the parse worker). */

export type ImportLimits = {
  /** Bytes of the upload, and of the JSON it holds once uncompressed. */
  maxBytes: number;
  maxConversations: number;
  /** Messages (ChatGPT: nodes of its mapping; Claude: chat_messages) one conversation may have. */
  maxMessagesPerConversation: number;
  /** Bytes of JSON one conversation may take. */
  maxConversationBytes: number;
  maxMessageChars: number;
  maxTitleChars: number;
};

/** One message as a row of the app's tree: its id is new, its content the stored UIMessage (without id) as JSON. */
export type ImportedMessage = {
  id: string;
  parentId: string | null;
  role: "user" | "assistant";
  /** Milliseconds since the epoch; always after the parent's. */
  createdAt: number;
  content: string;
};

export type ImportedConversation = {
  title: string | null;
  createdAt: number;
  updatedAt: number;
  lastMessageAt: number | null;
  /** Parents first, oldest first; the newest is the branch the person was last on. */
  messages: ImportedMessage[];
};

export class ImportProblem extends Error {
  constructor(message: string, code?: "bad_request" | "payload_too_large");
  readonly code: "bad_request" | "payload_too_large";
}

export function timeOf(value: unknown): number | null;
export function cleanText(text: string): string;
export function cleanTitle(value: unknown, maxChars: number): string | null;
export function attachmentNote(name: unknown): string;
