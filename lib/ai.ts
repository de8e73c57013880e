import { createOpenAI } from "@ai-sdk/openai";
import type { LanguageModelV4 } from "@ai-sdk/provider";
import { createDemoModel } from "./demo-model";
import type { Env } from "./env";

export type ModelChoice = {
  /** "responses" / "chat": the OpenAI API used; "demo": the offline demo model. */
  mode: "responses" | "chat" | "demo";
  model: LanguageModelV4;
  titleModel: LanguageModelV4;
  /** What the UI shows, e.g. "gpt-4o". */
  label: string;
};

const apiModes = ["responses", "chat"] as const;

/**
 * Picks the model from the environment:
 * - OPENAI_BASE_URL set (Ollama, vLLM, llama.cpp, LM Studio, …): Chat Completions, which they speak;
 * - only OPENAI_API_KEY: OpenAI's Responses API;
 * - neither: the offline demo model (never a crash for want of a key).
 * OPENAI_API_MODE=responses|chat overrides the API for a real provider.
 */
export function chooseModel(env: Env = process.env): ModelChoice {
  const baseURL = env.OPENAI_BASE_URL || undefined;
  const apiKey = env.OPENAI_API_KEY || undefined;
  if (!baseURL && !apiKey) {
    const demo = createDemoModel();
    return { mode: "demo", model: demo, titleModel: demo, label: "Demo model" };
  }
  const override = env.OPENAI_API_MODE;
  if (override && !apiModes.includes(override as (typeof apiModes)[number])) {
    throw new Error(`OPENAI_API_MODE must be "responses" or "chat", got "${override}".`);
  }
  const mode = (override as (typeof apiModes)[number] | undefined) ?? (baseURL ? "chat" : "responses");
  // Local servers usually need no key, but the provider insists on one being present.
  const provider = createOpenAI({ baseURL, apiKey: apiKey ?? "not-needed" });
  const modelId = env.OPENAI_MODEL || "gpt-4o";
  const titleModelId = env.OPENAI_TITLE_MODEL || modelId;
  const make = (id: string) => (mode === "chat" ? provider.chat(id) : provider.responses(id));
  return { mode, model: make(modelId), titleModel: make(titleModelId), label: modelId };
}

let current: ModelChoice | undefined;

/** The process's model, chosen once from process.env. */
export function getModel(): ModelChoice {
  return (current ??= chooseModel());
}
