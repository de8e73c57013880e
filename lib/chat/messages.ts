import "server-only";
import { safeValidateUIMessages, type UIMessage } from "ai";
import { z } from "zod";
import { ApiError } from "@/lib/http/errors";
import { attachmentIdsOf } from "@/lib/attachments/attachments";
import { messageFormat } from "@/lib/shared/chat-messages";
import { limits } from "@/lib/http/limits";
import { replyStreams } from "@/lib/chat/reply-streams";
import { InvalidParentError, threads, type MessageInput } from "@/lib/chat/threads";

/**
 * Ids the client chooses (messages, replies): the AI SDK and assistant-ui make short ASCII ids,
 * and these ids travel in URLs and response headers (`x-reply-id`), so nothing else is taken.
 */
export const clientIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, "must be 1 to 100 ASCII letters, digits, '_' or '-'");

/** The shape of a UIMessage as it arrives; `validateUIMessages` then checks every part. */
export const uiMessageSchema = z.object({
  id: clientIdSchema,
  role: z.enum(["user", "assistant", "system"]),
  parts: z.array(z.looseObject({ type: z.string().max(100) })).max(200),
  metadata: z.unknown().optional(),
});

export async function validateMessages(messages: unknown[]): Promise<UIMessage[]> {
  const result = await safeValidateUIMessages({ messages });
  if (!result.success) throw new ApiError("bad_request", `Invalid request: messages: ${result.error.message}`);
  // A branch names each message once; a repeated one would be stored once but read (and its
  // files converted) for the model once per copy.
  if (new Set(result.data.map((m) => m.id)).size !== result.data.length) {
    throw new ApiError("bad_request", "Invalid request: messages: the same message id is given more than once.");
  }
  for (const m of result.data) {
    // The system message is the server's: the person's and the project's instructions
    // (lib/projects/turn-context.ts). One sent in the history would stand beside them, unseen.
    if (m.role === "system")
      throw new ApiError(
        "bad_request",
        "Invalid request: messages may not be system messages; instructions are set on /account and on a project.",
      );
    // File parts may only name this app's uploads (checked for ownership later, with the database).
    attachmentIdsOf(m);
    // Tool calls and their results are recorded by the server as the model makes them; a client
    // that sends one is describing a call that never ran here (or asking for one to run).
    if (
      m.parts.some(
        (part) => part.type === "dynamic-tool" || part.type.startsWith("tool-") || part.type.startsWith("data-"),
      )
    )
      throw new ApiError("bad_request", "Invalid request: messages may not carry tool calls or data parts.");
    // Sources are the passages the server retrieved for a reply; a client's own would be shown
    // under the reply as if the project's files had said it.
    if (m.parts.some((part) => part.type === "source-url" || part.type === "source-document"))
      throw new ApiError("bad_request", "Invalid request: messages may not carry sources.");
    let chars = 0;
    for (const part of m.parts) {
      if (part.type !== "text" && part.type !== "reasoning") continue;
      if (part.text.includes("\u0000") || !part.text.isWellFormed()) {
        throw new ApiError(
          "bad_request",
          "Invalid request: message text must be valid Unicode without NUL characters.",
        );
      }
      chars += part.text.length;
    }
    if (chars > limits.maxMessageChars) {
      throw new ApiError(
        "bad_request",
        `Invalid request: a message may have at most ${limits.maxMessageChars} characters.`,
      );
    }
  }
  return result.data;
}

/** Set on a reply when the model finished; a reply without it was cut short. */
export type ReplyMetadata = { finishReason?: string };

/** A reply is complete only if the model said it finished; otherwise it is marked, never silently whole. */
export function replyStatus(m: UIMessage, failed = false): MessageInput["status"] {
  if (m.role !== "assistant") return "complete";
  if (failed) return "error";
  const finishReason = (m.metadata as ReplyMetadata | undefined)?.finishReason;
  return finishReason && finishReason !== "error" ? "complete" : "incomplete";
}

export function toStoredMessage(m: UIMessage, parentId: string | null, failed = false): MessageInput {
  const { id, ...content } = m;
  return { id, parentId, role: m.role, format: messageFormat, content, status: replyStatus(m, failed) };
}

/**
 * Stores a message the browser sent (a new one in a chat turn, or a settled copy). Its parent may
 * be the reply that just streamed: the browser reads a reply's last chunk a moment before the
 * server has stored it, so a parent that is a reply still being recorded is waited for, once.
 */
export async function saveClientMessageForUser(
  userId: string,
  threadId: string,
  m: MessageInput,
  onConflict: "keep" | "replace",
  model?: string,
) {
  try {
    return await threads.saveMessageForUser(userId, threadId, m, onConflict, model);
  } catch (error) {
    if (
      !(error instanceof InvalidParentError) ||
      !m.parentId ||
      !(await replyStreams.replyEndedForUser(userId, threadId, m.parentId))
    )
      throw error;
    return threads.saveMessageForUser(userId, threadId, m, onConflict, model);
  }
}
