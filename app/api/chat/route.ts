import {
  convertToModelMessages,
  createUIMessageStreamResponse,
  generateId,
  streamText,
  type UIMessage,
  type UIMessageChunk,
} from "ai";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { z } from "zod";
import { ApiError, notFound } from "@/lib/http/errors";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { getModel } from "@/lib/chat/models";
import { attachments } from "@/lib/attachments/attachments";
import { consumeChatMessage } from "@/lib/chat/rate-limit";
import { limits } from "@/lib/http/limits";
import { logger } from "@/lib/observability/logger";
import { saveClientMessageForUser, toStoredMessage, uiMessageSchema, validateMessages, replyStatus, type ReplyMetadata } from "@/lib/chat/messages";
import { metrics } from "@/lib/observability/metrics";
import { currentRequest } from "@/lib/observability/request-context";
import { isShuttingDown, trackReply } from "@/lib/observability/shutdown";
import { requireSession } from "@/lib/http/caller";
import { replyStreams } from "@/lib/chat/reply-streams";
import { readAll } from "@/lib/shared/streams";
import { threads } from "@/lib/chat/threads";
import { replyUsageOf, usage } from "@/lib/chat/usage";
import { offeredModel, parseThreadId, readJsonBody } from "@/lib/http/validation";

/**
 * The AI SDK chat request (what its transports send); `id` is the thread's id. Other fields are
 * ignored.
 */
const chatBody = z.object({
  id: z.string().max(100),
  messages: z.array(uiMessageSchema).min(1).max(limits.maxMessagesPerRequest),
  // The id the client gave the reply, so the copy it settles later (after Stop) replaces this one.
  replyId: uiMessageSchema.shape.id.optional(),
  trigger: z.enum(["submit-message", "regenerate-message"]).default("submit-message"),
  // The model picked in the UI; stored as the thread's choice.
  model: offeredModel.optional(),
});

function describeModelError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `The model could not answer: ${message}`;
}

type Recorder = ReturnType<typeof replyStreams.recorder>;

const tracer = trace.getTracer("threadkeeper");

/**
 * Reads the server's copy of the reply stream to its end, whether or not the browser is still
 * listening, recording it for readers on any instance (reload, other tabs), and stores the
 * assistant message that `reply()` returns by then. "keep": a copy the client already settled
 * (after Stop) is the one the user saw, and it wins. The recording ends only after the reply is
 * stored, so whoever follows it to its end finds the reply in the thread.
 */
async function storeReply(
  userId: string,
  threadId: string,
  parentId: string,
  stream: ReadableStream<UIMessageChunk>,
  reply: () => UIMessage,
  recorder: Recorder,
  answered: { model: string; usage: PromiseLike<Parameters<typeof replyUsageOf>[0]>; stoppedBy: () => "user" | "shutdown" | null; requestId?: string },
) {
  let failed = false;
  const started = performance.now();
  let firstTokenMs: number | undefined;
  metrics.streams.inc();
  try {
    for await (const chunk of readAll(stream)) {
      // The same server-sent events the browser gets from createUIMessageStreamResponse.
      recorder.push(`data: ${JSON.stringify(chunk)}\n\n`);
      if (firstTokenMs === undefined && (chunk.type === "text-delta" || chunk.type === "reasoning-delta")) firstTokenMs = performance.now() - started;
      if (chunk.type === "error") {
        failed = true;
        logger.error({ requestId: answered.requestId, threadId, model: answered.model, error: chunk.errorText }, "model failed");
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
  // One line per turn: facts only, never the text.
  const status = replyStatus(message, failed);
  const outcome = status === "complete" ? "complete" : failed ? "error" : answered.stoppedBy() === "user" ? "stopped" : "incomplete";
  metrics.turns.inc({ outcome });
  if (firstTokenMs !== undefined) metrics.firstTokenSeconds.observe(firstTokenMs / 1000);
  if (tokens?.inputTokens !== undefined) metrics.tokens.inc({ model: answered.model, kind: "input" }, tokens.inputTokens);
  if (tokens?.outputTokens !== undefined) metrics.tokens.inc({ model: answered.model, kind: "output" }, tokens.outputTokens);
  logger.info(
    {
      requestId: answered.requestId,
      userId,
      threadId,
      model: answered.model,
      timeToFirstTokenMs: firstTokenMs === undefined ? undefined : Math.round(firstTokenMs),
      totalMs: Math.round(performance.now() - started),
      inputTokens: tokens?.inputTokens,
      outputTokens: tokens?.outputTokens,
      outcome,
    },
    "chat turn",
  );
  return { outcome, inputTokens: tokens?.inputTokens, outputTokens: tokens?.outputTokens };
}

export const POST = apiRoute(async (request: Request) => {
  if (isShuttingDown()) throw new ApiError("shutting_down", "This server is restarting. Try again in a moment.");
  const session = await requireSession(request.headers);
  const body = await readJsonBody(request, chatBody);
  const threadId = parseThreadId(body.id);
  const messages = await validateMessages(body.messages);
  const last = messages[messages.length - 1];
  if (last.role !== "user") throw new ApiError("bad_request", "Invalid request: the last message must be the user's.");
  if (messages.some((m) => m.id === body.replyId)) throw new ApiError("bad_request", "Invalid request: replyId names a message of the request.");

  await consumeChatMessage(session.user.id);
  await usage.assertWithinQuotaForUser(session.user.id, (session.user as { tokenQuota?: number | null }).tokenQuota);
  // Every file part checked (the caller's, stored, not sent with another message) and read for
  // the model before anything is stored or the model is called. PDFs go as files only to the
  // Responses API; Chat Completions servers get their text.
  const modelChoice = getModel();
  const forModel = await attachments.toModelParts(session.user.id, threadId, messages, { pdfAsFile: modelChoice.mode === "responses" });

  // The user's message (ownership checked in the same statement) and the reply's recording are
  // written side by side, one round trip instead of two, both before the model is called; a
  // recording whose message was refused is removed again.
  const parentId = messages.length > 1 ? messages[messages.length - 2].id : null;
  const replyId = body.replyId ?? generateId();
  const [saved, started] = await Promise.allSettled([
    saveClientMessageForUser(session.user.id, threadId, toStoredMessage(last, parentId), "keep", body.model),
    replyStreams.startForUser(session.user.id, threadId, replyId, last.id),
  ]);
  const streamId = started.status === "fulfilled" ? started.value : null;
  if (saved.status === "rejected" || !saved.value || !streamId) {
    if (streamId) await replyStreams.discard(streamId).catch(() => {});
    if (saved.status === "rejected") throw saved.reason;
    if (started.status === "rejected") throw started.reason;
    throw notFound();
  }
  const owned = saved.value;
  // Stop (POST /api/threads/:id/stop, from any tab and any instance) aborts the model request.
  // The request's own signal is not used: a closed tab must not cut the reply short. A model that
  // goes silent is given up on by the stall timeout in lib/chat/models.ts.
  const stop = new AbortController();
  let stoppedBy: "user" | "shutdown" | null = null;
  const stopListener = replyStreams.onStop(streamId, () => {
    stoppedBy ??= "user";
    stop.abort();
  });
  const model = modelChoice.modelFor(owned.model);
  const result = streamText({
    model,
    messages: await convertToModelMessages(forModel),
    abortSignal: stop.signal,
    // Reasoning models on the Responses API send a summary of their thinking when asked; the
    // provider leaves the option out for models that do not reason.
    providerOptions: { openai: { reasoningSummary: "auto" } },
  });
  // The SDK assembles the reply as it streams (no copy per chunk); onFinish hands it over at the
  // end. The tee keeps the stream flowing to that end after the browser has gone.
  let reply: UIMessage | undefined;
  const [toClient, toStore] = result
    .toUIMessageStream({
      originalMessages: messages,
      generateMessageId: () => replyId,
      onError: describeModelError,
      messageMetadata: ({ part }): ReplyMetadata | undefined =>
        part.type === "finish" ? { finishReason: part.finishReason } : undefined,
      onFinish: ({ responseMessage }) => {
        reply = responseMessage;
      },
    })
    .tee();
  // The model call as a span of this request's trace (a no-op without OTEL_* settings); the
  // reply's database writes are its children.
  const stored = tracer.startActiveSpan(`chat ${model.modelId}`, { attributes: { "gen_ai.operation.name": "chat", "gen_ai.request.model": model.modelId, "thread.id": threadId } }, (span) =>
    storeReply(session.user.id, threadId, last.id, toStore, () => reply ?? { id: replyId, role: "assistant", parts: [] }, replyStreams.recorder(streamId), {
      model: model.modelId,
      // Handled at once: an aborted reply rejects it, and the reply is stored all the same.
      usage: Promise.resolve(result.totalUsage).catch(() => undefined),
      stoppedBy: () => stoppedBy,
      requestId: currentRequest()?.requestId,
    })
      .then((turn) => {
        span.setAttributes({ "chat.outcome": turn.outcome, ...(turn.inputTokens !== undefined && { "gen_ai.usage.input_tokens": turn.inputTokens }), ...(turn.outputTokens !== undefined && { "gen_ai.usage.output_tokens": turn.outputTokens }) });
        if (turn.outcome === "error") span.setStatus({ code: SpanStatusCode.ERROR });
      })
      .finally(() => {
        span.end();
        stopListener();
      }),
  );
  // A restart lets it finish (SHUTDOWN_GRACE_MS), then stops it; either way it is stored.
  trackReply({
    stop: () => {
      stoppedBy ??= "shutdown";
      stop.abort();
    },
    done: stored,
  });
  return createUIMessageStreamResponse({ stream: toClient });
});

const otherMethod = methodNotAllowed("POST");
export { otherMethod as GET, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
