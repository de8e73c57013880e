import "server-only";
import { safeValidateUIMessages, type UIMessage } from "ai";
import { z } from "zod";
import { ApiError } from "./api-error";
import { attachmentIdsOf } from "./attachments";
import { messageFormat } from "./chat-messages";
import { limits } from "./limits";
import type { MessageInput } from "./threads";
import { storableText } from "./validation";

const messageId = storableText(200).pipe(z.string().min(1, "must not be empty"));

/** The shape of a UIMessage as it arrives; `validateUIMessages` then checks every part. */
export const uiMessageSchema = z.object({
  id: messageId,
  role: z.enum(["user", "assistant", "system"]),
  parts: z.array(z.looseObject({ type: z.string().max(100) })).max(200),
  metadata: z.unknown().optional(),
});

export async function validateMessages(messages: unknown[]): Promise<UIMessage[]> {
  const result = await safeValidateUIMessages({ messages });
  if (!result.success) throw new ApiError("bad_request", `Invalid request: messages: ${result.error.message}`);
  for (const m of result.data) {
    // File parts may only name this app's uploads (checked for ownership later, with the database).
    attachmentIdsOf(m);
    let chars = 0;
    for (const part of m.parts) {
      if (part.type !== "text" && part.type !== "reasoning") continue;
      if (part.text.includes("\u0000") || !part.text.isWellFormed()) {
        throw new ApiError("bad_request", "Invalid request: message text must be valid Unicode without NUL characters.");
      }
      chars += part.text.length;
    }
    if (chars > limits.maxMessageChars) {
      throw new ApiError("bad_request", `Invalid request: a message may have at most ${limits.maxMessageChars} characters.`);
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
