import { positiveIntFromEnv, type Env } from "@/lib/config/env";
import { readLimits } from "@/lib/http/limits";
import type { ImportLimits } from "@/lib/import/conversation.mjs";

/** What one import may hold (README: IMPORT_*). A bad value stops the app with a clear message. */
export function readImportLimits(env: Env = process.env): ImportLimits {
  const { maxMessageChars, maxTitleChars } = readLimits(env);
  return {
    maxBytes: positiveIntFromEnv(env, "IMPORT_MAX_BYTES", 512 * 1024 * 1024),
    maxConversations: positiveIntFromEnv(env, "IMPORT_MAX_CONVERSATIONS", 20_000),
    maxMessagesPerConversation: positiveIntFromEnv(env, "IMPORT_MAX_MESSAGES_PER_CONVERSATION", 5_000),
    maxConversationBytes: positiveIntFromEnv(env, "IMPORT_MAX_CONVERSATION_BYTES", 16 * 1024 * 1024),
    // A longer message could not be sent back to the model in a later turn of the thread (lib/chat/messages.ts).
    maxMessageChars,
    // Longer titles are cut, not refused: a title is a label, and the conversation is all there.
    maxTitleChars,
  };
}

/** How imports run in one process: fixed, measured with bench/import.ts. */
export const importRunLimits = {
  /** Imports at once per process (each has a worker thread); more → 503 with Retry-After. */
  maxRunning: 2,
  /** V8 old generation of a parse worker, in MB: one conversation of IMPORT_MAX_CONVERSATION_BYTES parsed, many times over. */
  maxOldGenerationMb: 256,
  maxYoungGenerationMb: 32,
  /** Conversations, and messages, written per transaction. */
  batchConversations: 200,
  batchMessages: 4_000,
  /** Characters of message JSON per batch (what the main thread holds of it, a few times over, while writing it). */
  batchBytes: 8 * 1024 * 1024,
  /**
   * Wall-clock seconds for checking the file (pass 1: the worker reads and maps all of it, no writes); past it
   * the worker is stopped and the upload refused with 413. 512 MB of JSON takes well under a minute on one core.
   */
  maxCheckSeconds: 300,
  /** Wall-clock seconds for the whole import, writes included; past it the worker is stopped and everything undone. */
  maxImportSeconds: 1_800,
  /** An upload that sends no bytes for this long is abandoned with 408, and the person's import freed. */
  uploadIdleMs: 60_000,
  /** An import's heartbeat; one silent for `staleAfterSeconds` belonged to an instance that died. */
  heartbeatMs: 15_000,
  staleAfterSeconds: 120,
};
