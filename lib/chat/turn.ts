import "server-only";
import {
  convertToModelMessages,
  createUIMessageStream,
  generateId,
  stepCountIs,
  streamText,
  type UIMessage,
  type UIMessageChunk,
  type UIMessageStreamOptions,
} from "ai";
import { SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { ApiError, notFound } from "@/lib/http/errors";
import { getModel } from "@/lib/chat/models";
import { attachments } from "@/lib/attachments/attachments";
import { consumeChatMessage } from "@/lib/chat/rate-limit";
import { saveClientMessageForUser, toStoredMessage, type ReplyMetadata } from "@/lib/chat/messages";
import { currentRequest } from "@/lib/observability/request-context";
import { trackReply } from "@/lib/observability/shutdown";
import { replyStreams } from "@/lib/chat/reply-streams";
import { usage } from "@/lib/chat/usage";
import { storeReply } from "@/lib/chat/turn-reply";
import { logger } from "@/lib/observability/logger";
import { prepareToolTurn } from "@/lib/tools/tool-turn";
import { toolCatalog } from "@/lib/tools/catalog";
import { turnContextForUser } from "@/lib/projects/turn-context";
import { passageHref } from "@/lib/shared/projects";
import { textParts } from "@/lib/shared/chat-messages";

/** A chat turn as the route hands it over, its request already checked. */
export type TurnRequest = {
  user: { id: string; tokenQuota?: number | null };
  threadId: string;
  /** The branch the browser holds, validated; the last message is the user's new one. */
  messages: UIMessage[];
  /** The id the client gave the reply, so the copy it settles later (after Stop) replaces this one. */
  replyId?: string;
  /** The model picked in the UI; stored as the thread's choice. */
  model?: string;
};

function describeModelError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `The model could not answer: ${message}`;
}

const tracer = trace.getTracer("threadkeeper");

/** Parts the server alone writes into a reply: tool calls and their results, and a project's sources. */
const isServerPart = (p: UIMessage["parts"][number]) =>
  p.type === "dynamic-tool" || p.type.startsWith("tool-") || p.type === "source-url" || p.type === "source-document";

/**
 * What the model reads of the branch the browser sent: tool parts and sources are dropped, so a
 * client can never put a tool call or result, or a passage, of its own making into the model's
 * context (a reply's tool calls reach later turns through its text only; passages come from the
 * project, retrieved again each turn).
 */
const withoutServerParts = (messages: UIMessage[]): UIMessage[] =>
  messages.map((m) => (m.parts.some(isServerPart) ? { ...m, parts: m.parts.filter((p) => !isServerPart(p)) } : m));

type SourcePart = Extract<UIMessage["parts"][number], { type: "source-url" }>;

/**
 * The project passages a turn handed the model, as the reply's sources: `source-url` parts whose
 * url opens the passage on the project file's page (for anyone who may see the project).
 */
const sourceParts = (sources: { projectId: string; fileId: string; fileName: string; seq: number }[]): SourcePart[] =>
  sources.map((s) => ({
    type: "source-url",
    sourceId: `${s.fileId}:${s.seq}`,
    url: passageHref(s.projectId, s.fileId, s.seq),
    title: `${s.fileName} · passage ${s.seq}`,
  }));

/**
 * Writes the sources into the reply's UI stream right after its `start` chunk, before the model's
 * first step: the browser shows them as the reply begins, and a replay (reload, another tab) has
 * them from the recording. One transform serves the plain and the tool path alike.
 */
function withSources(sources: SourcePart[]): TransformStream<UIMessageChunk, UIMessageChunk> {
  let sent = sources.length === 0;
  return new TransformStream({
    transform(chunk, controller) {
      controller.enqueue(chunk);
      if (!sent && chunk.type === "start") {
        sent = true;
        for (const source of sources) controller.enqueue(source);
      }
    },
  });
}

/**
 * One chat turn: the rate limit and quota, the user's message stored, the model called, and its
 * reply streamed; the reply is recorded, stored and metered to its end whether or not the browser
 * stays. Returns the stream for the browser.
 */
export async function startTurn({
  user,
  threadId,
  messages,
  replyId: givenReplyId,
  model: pickedModel,
}: TurnRequest): Promise<ReadableStream<UIMessageChunk>> {
  const last = messages[messages.length - 1];
  await consumeChatMessage(user.id);
  // The person's quota, and the workspace's when the thread is in one.
  await usage.assertWithinQuotaForUser(user.id, user.tokenQuota, threadId);
  // The instructions (the person's, then the thread's project's) and the project passages that
  // match the new message, read alongside everything below and awaited before the model is called.
  // Only the thread's author gets a project's part, re-checked in the statement that reads it.
  const requestId = currentRequest()?.requestId;
  const turnContext = turnContextForUser(user.id, threadId, textParts(last).join("\n"));
  turnContext.catch(() => {});
  // Every file part checked (the caller's, stored, not sent with another message) and read for
  // the model before anything is stored or the model is called. PDFs go as files only to the
  // Responses API; Chat Completions servers get their text.
  const modelChoice = getModel();
  const forModel = await attachments.toModelParts(user.id, threadId, messages, {
    pdfAsFile: modelChoice.mode === "responses",
  });

  // The user's message (ownership checked in the same statement) and the reply's recording are
  // written side by side, one round trip instead of two, both before the model is called; a
  // recording whose message was refused is removed again.
  const parentId = messages.length > 1 ? messages[messages.length - 2].id : null;
  const replyId = givenReplyId ?? generateId();
  // The thread's tools switched on, read alongside (none when the thread is not the caller's).
  const listedTools = toolCatalog.toolsForTurn(user.id, threadId);
  listedTools.catch(() => {});
  const [saved, started] = await Promise.allSettled([
    saveClientMessageForUser(user.id, threadId, toStoredMessage(last, parentId), "keep", pickedModel),
    replyStreams.startForUser(user.id, threadId, replyId, last.id),
  ]);
  const streamId = started.status === "fulfilled" ? started.value : null;
  if (saved.status === "rejected" || !saved.value || !streamId) {
    if (streamId) await replyStreams.discard(streamId).catch(() => {});
    if (saved.status === "rejected") throw saved.reason;
    if (started.status === "rejected") throw started.reason;
    throw notFound();
  }
  const owned = saved.value;
  // A retrieval that fails is logged there and the turn goes on without passages; instructions
  // that cannot be read fail the turn: a reply that silently ignores them would mislead.
  const context = await turnContext.catch(async (error: unknown) => {
    await replyStreams.discard(streamId).catch(() => {});
    if (error instanceof ApiError) throw error;
    logger.error({ err: error, requestId, threadId }, "could not read the turn's instructions");
    throw new ApiError("service_unavailable", "Your instructions could not be read. Try again shortly.");
  });
  const sources = sourceParts(context.sources);
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
  // The chat span, once it exists: each tool call's span is its child.
  let chatSpan: Span | undefined;
  // The thread's tools switched on (none: the turn runs exactly as it always did, one step, no `tools`).
  const toolTurn = await prepareToolTurn({
    listed: listedTools,
    userId: user.id,
    threadId,
    streamId,
    stop: stop.signal,
    span: () => chatSpan,
    requestId,
  }).catch((error: unknown) => {
    logger.error({ err: error, requestId, threadId }, "tools: could not read the thread's tools");
    return null;
  });
  const call = {
    model,
    ...(context.system && { instructions: context.system }),
    messages: await convertToModelMessages(withoutServerParts(forModel)),
    abortSignal: stop.signal,
    // Reasoning models on the Responses API send a summary of their thinking when asked; the
    // provider leaves the option out for models that do not reason.
    providerOptions: { openai: { reasoningSummary: "auto" } },
  } satisfies Parameters<typeof streamText>[0];
  // The SDK assembles the reply as it streams (no copy per chunk); onFinish hands it over at the
  // end. The tee keeps the stream flowing to that end after the browser has gone.
  let reply: UIMessage | undefined;
  // The reply as stored holds the sources where the stream put them: before the first step.
  const settle = (responseMessage: UIMessage) => {
    reply = sources.length ? { ...responseMessage, parts: [...sources, ...responseMessage.parts] } : responseMessage;
  };
  const uiOptions = {
    originalMessages: messages,
    generateMessageId: () => replyId,
    onError: describeModelError,
    messageMetadata: (({ part }): ReplyMetadata | undefined =>
      part.type === "finish"
        ? { finishReason: part.finishReason }
        : undefined) satisfies UIMessageStreamOptions<UIMessage>["messageMetadata"],
  };
  let result: ReturnType<typeof streamText>;
  let uiStream: ReadableStream<UIMessageChunk>;
  if (!toolTurn) {
    result = streamText(call);
    uiStream = result.toUIMessageStream({
      ...uiOptions,
      onFinish: ({ responseMessage }) => settle(responseMessage),
    });
  } else {
    // Multi-step with tools: the model's steps merged into a stream the tool calls can write their
    // transient approval chunks to. `execute` runs at once, so `result` is set when this returns.
    let started!: ReturnType<typeof streamText>;
    uiStream = createUIMessageStream({
      originalMessages: messages,
      generateId: () => replyId,
      onError: describeModelError,
      execute: ({ writer }) => {
        started = streamText({ ...call, tools: toolTurn.tools(writer), stopWhen: stepCountIs(toolTurn.maxSteps) });
        writer.merge(started.toUIMessageStream(uiOptions));
      },
      onFinish: ({ responseMessage }) => settle(responseMessage),
    });
    result = started;
  }
  const [toClient, toStore] = uiStream.pipeThrough(withSources(sources)).tee();
  // The model call as a span of this request's trace (a no-op without OTEL_* settings); the
  // reply's database writes are its children.
  const stored = tracer.startActiveSpan(
    `chat ${model.modelId}`,
    {
      attributes: {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": model.modelId,
        "thread.id": threadId,
        "chat.sources": sources.length,
      },
    },
    (span) => {
      chatSpan = span;
      return storeReply(
        user.id,
        threadId,
        last.id,
        toStore,
        () => reply ?? { id: replyId, role: "assistant", parts: [] },
        replyStreams.recorder(streamId),
        {
          model: model.modelId,
          // Handled at once: an aborted reply rejects it, and the reply is stored all the same.
          usage: Promise.resolve(result.totalUsage).catch(() => undefined),
          stoppedBy: () => stoppedBy,
          requestId,
        },
      )
        .then((turn) => {
          span.setAttributes({
            "chat.outcome": turn.outcome,
            "chat.tool_calls": turn.toolCalls,
            "chat.steps": turn.steps,
            ...(turn.inputTokens !== undefined && { "gen_ai.usage.input_tokens": turn.inputTokens }),
            ...(turn.outputTokens !== undefined && { "gen_ai.usage.output_tokens": turn.outputTokens }),
          });
          if (turn.outcome === "error") span.setStatus({ code: SpanStatusCode.ERROR });
        })
        .finally(() => {
          span.end();
          stopListener();
        });
    },
  );
  // A restart lets it finish (SHUTDOWN_GRACE_MS), then stops it; either way it is stored.
  trackReply({
    stop: () => {
      stoppedBy ??= "shutdown";
      stop.abort();
    },
    done: stored,
  });
  return toClient;
}
