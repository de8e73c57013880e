import "server-only";
import { createOpenAI } from "@ai-sdk/openai";
import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import type { LanguageModelV4, LanguageModelV4StreamPart } from "@ai-sdk/provider";
import { createDemoModel } from "@/lib/chat/demo-model";
import { listFromEnv, positiveIntFromEnv, type Env } from "@/lib/config/env";

export type ModelChoice = {
  /** "responses" / "chat": the OpenAI API used; "demo": the offline demo model. */
  mode: "responses" | "chat" | "demo";
  model: LanguageModelV4;
  titleModel: LanguageModelV4;
  /** What the UI shows, e.g. "gpt-4o". */
  label: string;
  /** Model ids people may pick per thread (OPENAI_MODELS); the first is the default. */
  offered: string[];
  /** The model for a thread's stored choice; anything not offered gets the default. */
  modelFor: (id: string | null | undefined) => LanguageModelV4;
};

const apiModes = ["responses", "chat"] as const;

/**
 * Picks the model from the environment:
 * - OPENAI_BASE_URL set (Ollama, vLLM, llama.cpp, LM Studio, …): Chat Completions, which they speak;
 * - only OPENAI_API_KEY: OpenAI's Responses API;
 * - neither: the offline demo model (never a crash for want of a key).
 * OPENAI_API_MODE=responses|chat overrides the API for a real provider.
 */
export class ModelStalledError extends Error {
  constructor(ms: number) {
    super(`the model sent nothing for ${Math.round(ms / 1000)} s, so the request was given up.`);
    this.name = "ModelStalledError";
  }
}

/**
 * Gives up on a streaming call when the model sends nothing for `ms` (before the first part or
 * between parts), however long a reply that keeps coming takes. It cancels the HTTP request and
 * fails the stream with an error, so the thread shows what happened; an abort would end the
 * reply as silently as the Stop button does.
 */
export function withStallTimeout(model: LanguageModelV4, ms: number): LanguageModelV4 {
  return {
    specificationVersion: "v4",
    provider: model.provider,
    modelId: model.modelId,
    supportedUrls: model.supportedUrls,
    doGenerate: (options) => model.doGenerate(options),
    async doStream(options) {
      const stall = new AbortController();
      const stalled = new ModelStalledError(ms);
      const signal = options.abortSignal ? AbortSignal.any([options.abortSignal, stall.signal]) : stall.signal;
      let fail: (error: unknown) => void = () => {};
      // One timer per silence period, not one per token: a part only stamps the time, and the
      // timer re-arms itself for whatever is left when it fires early.
      let lastPartAt = performance.now();
      let timer: ReturnType<typeof setTimeout>;
      const check = () => {
        const silent = performance.now() - lastPartAt;
        if (silent < ms) {
          timer = setTimeout(check, ms - silent);
          return;
        }
        stall.abort(stalled);
        fail(stalled);
      };
      timer = setTimeout(check, ms);
      let result;
      try {
        result = await model.doStream({ ...options, abortSignal: signal });
      } catch (error) {
        clearTimeout(timer);
        throw stall.signal.aborted ? stalled : error;
      }
      lastPartAt = performance.now();
      const stream = result.stream.pipeThrough(
        new TransformStream<LanguageModelV4StreamPart, LanguageModelV4StreamPart>({
          start(controller) {
            fail = (error) => controller.error(error);
          },
          transform(part, controller) {
            lastPartAt = performance.now();
            controller.enqueue(part);
          },
          flush() {
            clearTimeout(timer);
          },
        }),
      );
      return { ...result, stream };
    },
  };
}

export function chooseModel(env: Env = process.env): ModelChoice {
  const baseURL = env.OPENAI_BASE_URL || undefined;
  const apiKey = env.OPENAI_API_KEY || undefined;
  if (!baseURL && !apiKey) {
    const demo = createDemoModel();
    return { mode: "demo", model: demo, titleModel: demo, label: "Demo model", offered: [], modelFor: () => demo };
  }
  const override = env.OPENAI_API_MODE;
  if (override && !apiModes.includes(override as (typeof apiModes)[number])) {
    throw new Error(`OPENAI_API_MODE must be "responses" or "chat", got "${override}".`);
  }
  const mode = (override as (typeof apiModes)[number] | undefined) ?? (baseURL ? "chat" : "responses");
  // Local servers usually need no key, but the provider insists on one being present.
  const provider = createOpenAI({ baseURL, apiKey: apiKey ?? "not-needed" });
  // Chat Completions through the AI SDK's OpenAI-compatible provider: @ai-sdk/openai's chat model
  // drops the `reasoning_content` deltas that llama.cpp, vLLM, Ollama and DeepSeek send; this one
  // turns them into reasoning parts. It also asks for usage at the end of the stream.
  const compatible = createOpenAICompatible({
    name: "openai-compatible",
    baseURL: baseURL ?? "https://api.openai.com/v1",
    apiKey: apiKey ?? "not-needed",
    includeUsage: true,
  });
  const listed = listFromEnv(env, "OPENAI_MODELS");
  const modelId = env.OPENAI_MODEL || listed[0] || "gpt-4o";
  const offered = [...new Set([modelId, ...listed])];
  const titleModelId = env.OPENAI_TITLE_MODEL || modelId;
  const stallMs = positiveIntFromEnv(env, "MODEL_TIMEOUT_MS", 120_000);
  const make = (id: string) =>
    withStallTimeout(mode === "chat" ? compatible.chatModel(id) : provider.responses(id), stallMs);
  const models = new Map(offered.map((id) => [id, make(id)]));
  const model = models.get(modelId)!;
  return {
    mode,
    model,
    titleModel: make(titleModelId),
    label: modelId,
    offered,
    modelFor: (id) => (id && models.get(id)) || model,
  };
}

let current: ModelChoice | undefined;

/** The process's model, chosen once from process.env. */
export function getModel(): ModelChoice {
  return (current ??= chooseModel());
}
