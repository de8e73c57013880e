import { positiveIntFromEnv, type Env } from "@/lib/config/env";

/** What one request may carry. Every value can be changed by env (see README). */
export function readLimits(env: Env = process.env) {
  return {
    /** Bytes of a request body; larger → 413. */
    maxBodyBytes: positiveIntFromEnv(env, "MAX_REQUEST_BYTES", 1_000_000),
    /** Characters of text in one message. */
    maxMessageChars: positiveIntFromEnv(env, "MAX_MESSAGE_CHARS", 32_000),
    /** Messages the client may send in one chat request (the current branch). */
    maxMessagesPerRequest: positiveIntFromEnv(env, "MAX_MESSAGES_PER_REQUEST", 500),
    /** Characters of a thread title. */
    maxTitleChars: positiveIntFromEnv(env, "MAX_TITLE_CHARS", 200),
    /** Bytes of one attachment (10 MiB). */
    maxAttachmentBytes: positiveIntFromEnv(env, "MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024),
    /** Bytes handed to the model in one chat request: message text plus attachments (before base64). */
    maxModelInputBytes: positiveIntFromEnv(env, "MAX_MODEL_INPUT_BYTES", 20 * 1024 * 1024),
    /** Attachments on one message. */
    maxAttachmentsPerMessage: positiveIntFromEnv(env, "MAX_ATTACHMENTS_PER_MESSAGE", 8),
    /** Messages "Continue as my own copy" copies at most (the branch a reader sees); longer → 413. */
    maxCopyMessages: positiveIntFromEnv(env, "MAX_COPY_MESSAGES", 1000),
    /** Bytes one copy writes at most: its messages' JSON plus its attachments' files (100 MiB); more → 413. */
    maxCopyBytes: positiveIntFromEnv(env, "MAX_COPY_BYTES", 100 * 1024 * 1024),
    /** Threads one person pins in one space (personal, or a workspace); pinning one more → 409. */
    maxPinnedThreads: positiveIntFromEnv(env, "MAX_PINNED_THREADS", 50),
    /** Hours an upload that was never sent is kept. */
    attachmentOrphanHours: positiveIntFromEnv(env, "ATTACHMENT_ORPHAN_HOURS", 24),
    /** Milliseconds a model may go without sending anything before the call is abandoned (see lib/chat/models.ts). */
    modelTimeoutMs: positiveIntFromEnv(env, "MODEL_TIMEOUT_MS", 120_000),
  };
}

export const limits = readLimits();
