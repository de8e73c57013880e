import "server-only";
import type { UIMessage, UIMessageChunk } from "ai";
import { logger } from "@/lib/observability/logger";
import { metrics } from "@/lib/observability/metrics";
import { replyStatus, toStoredMessage } from "@/lib/chat/messages";
import type { replyStreams } from "@/lib/chat/reply-streams";
import { readAll } from "@/lib/shared/streams";
import { threads } from "@/lib/chat/threads";
import { replyUsageOf, usage } from "@/lib/chat/usage";

type Recorder = ReturnType<typeof replyStreams.recorder>;
type Tokens = ReturnType<typeof replyUsageOf>;

export type TurnOutcome = "complete" | "error" | "stopped" | "incomplete";

/** What the turn knows about the model call besides its stream. */
export type Answered = {
  model: string;
  usage: PromiseLike<Parameters<typeof replyUsageOf>[0]>;
  stoppedBy: () => "user" | "shutdown" | null;
  requestId?: string;
};

/**
 * Reads the server's copy of the reply stream to its end, whether or not the browser is still
 * listening, recording it for readers on any instance (reload, other tabs), and stores the
 * assistant message that `reply()` returns by then. "keep": a copy the client already settled
 * (after Stop) is the one the user saw, and it wins. The recording ends only after the reply is
 * stored, so whoever follows it to its end finds the reply in the thread. Every chunk is recorded,
 * tool calls' parts and their transient approval chunks included, so a reloaded tab replays them.
 */
export async function storeReply(
  userId: string,
  threadId: string,
  parentId: string,
  stream: ReadableStream<UIMessageChunk>,
  reply: () => UIMessage,
  recorder: Recorder,
  answered: Answered,
) {
  let failed = false;
  const started = performance.now();
  let firstTokenMs: number | undefined;
  // Model steps (one model call each) and the tool calls the model made.
  let steps = 0;
  let toolCalls = 0;
  metrics.streams.inc();
  try {
    for await (const chunk of readAll(stream)) {
      // The same server-sent events the browser gets from createUIMessageStreamResponse.
      recorder.push(`data: ${JSON.stringify(chunk)}\n\n`);
      if (firstTokenMs === undefined && (chunk.type === "text-delta" || chunk.type === "reasoning-delta"))
        firstTokenMs = performance.now() - started;
      if (chunk.type === "start-step") steps++;
      else if (chunk.type === "tool-input-available") toolCalls++;
      if (chunk.type === "error") {
        failed = true;
        logger.error(
          { requestId: answered.requestId, threadId, model: answered.model, error: chunk.errorText },
          "model failed",
        );
      }
    }
  } catch (error) {
    failed = true;
    logger.error({ requestId: answered.requestId, threadId, model: answered.model, err: error }, "model failed");
  } finally {
    metrics.streams.dec();
  }
  const message = reply();
  // The stream has ended, so the provider's usage is known (an aborted reply has none).
  const tokens = replyUsageOf(await Promise.resolve(answered.usage).catch(() => undefined));
  // A reply that failed or was stopped before its first word is stored too, empty and marked
  // (error or incomplete): the browser holds it in its tree, and its next message names it as
  // the parent, which must exist.
  try {
    await threads.saveMessageForUser(userId, threadId, toStoredMessage(message, parentId, failed), "keep");
    // Usage goes on the row whoever stored it (the tab's settled copy may have come first).
    await usage.recordReplyForUser(userId, threadId, message.id, answered.model, tokens);
  } catch (error) {
    logger.error({ requestId: answered.requestId, threadId, err: error }, "could not store the reply");
  }
  recorder.push("data: [DONE]\n\n");
  await recorder.finish();
  const status = replyStatus(message, failed);
  const outcome: TurnOutcome =
    status === "complete" ? "complete" : failed ? "error" : answered.stoppedBy() === "user" ? "stopped" : "incomplete";
  reportTurn(userId, threadId, answered, {
    outcome,
    tokens,
    firstTokenMs,
    totalMs: performance.now() - started,
    steps,
    toolCalls,
  });
  return { outcome, inputTokens: tokens?.inputTokens, outputTokens: tokens?.outputTokens, steps, toolCalls };
}

/** The turn's metrics and its one log line: facts only, never the text. */
function reportTurn(
  userId: string,
  threadId: string,
  answered: Answered,
  turn: {
    outcome: TurnOutcome;
    tokens: Tokens;
    firstTokenMs: number | undefined;
    totalMs: number;
    steps: number;
    toolCalls: number;
  },
) {
  const { outcome, tokens, firstTokenMs } = turn;
  metrics.turns.inc({ outcome });
  if (firstTokenMs !== undefined) metrics.firstTokenSeconds.observe(firstTokenMs / 1000);
  if (tokens?.inputTokens !== undefined)
    metrics.tokens.inc({ model: answered.model, kind: "input" }, tokens.inputTokens);
  if (tokens?.outputTokens !== undefined)
    metrics.tokens.inc({ model: answered.model, kind: "output" }, tokens.outputTokens);
  logger.info(
    {
      requestId: answered.requestId,
      userId,
      threadId,
      model: answered.model,
      timeToFirstTokenMs: firstTokenMs === undefined ? undefined : Math.round(firstTokenMs),
      totalMs: Math.round(turn.totalMs),
      inputTokens: tokens?.inputTokens,
      outputTokens: tokens?.outputTokens,
      steps: turn.steps,
      toolCalls: turn.toolCalls,
      outcome,
    },
    "chat turn",
  );
}
