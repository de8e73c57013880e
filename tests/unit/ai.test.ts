import { generateText, streamText } from "ai";
import { describe, expect, it } from "vitest";
import { chooseModel, withStallTimeout } from "@/lib/chat/models";
import { createDemoModel, demoTitle } from "@/lib/chat/demo-model";

describe("chooseModel", () => {
  it.each([
    { env: {}, mode: "demo", provider: "demo", modelId: "demo" },
    { env: { OPENAI_API_KEY: "sk-x" }, mode: "responses", provider: "openai.responses", modelId: "gpt-4o" },
    {
      env: { OPENAI_API_KEY: "sk-x", OPENAI_MODEL: "gpt-4.1-mini" },
      mode: "responses",
      provider: "openai.responses",
      modelId: "gpt-4.1-mini",
    },
    {
      env: { OPENAI_BASE_URL: "http://127.0.0.1:11434/v1", OPENAI_MODEL: "llama3" },
      mode: "chat",
      provider: "openai-compatible.chat",
      modelId: "llama3",
    },
    {
      env: { OPENAI_BASE_URL: "http://x/v1", OPENAI_API_KEY: "k" },
      mode: "chat",
      provider: "openai-compatible.chat",
      modelId: "gpt-4o",
    },
    {
      env: { OPENAI_BASE_URL: "http://x/v1", OPENAI_API_MODE: "responses" },
      mode: "responses",
      provider: "openai.responses",
      modelId: "gpt-4o",
    },
    {
      env: { OPENAI_API_KEY: "k", OPENAI_API_MODE: "chat" },
      mode: "chat",
      provider: "openai-compatible.chat",
      modelId: "gpt-4o",
    },
    { env: { OPENAI_API_KEY: "", OPENAI_BASE_URL: "" }, mode: "demo", provider: "demo", modelId: "demo" },
  ])("$env → $mode ($provider, $modelId)", ({ env, mode, provider, modelId }) => {
    const choice = chooseModel(env);
    expect(choice.mode).toBe(mode);
    expect(choice.model.provider).toBe(provider);
    expect(choice.model.modelId).toBe(modelId);
  });

  it("uses OPENAI_TITLE_MODEL for titles only", () => {
    const choice = chooseModel({ OPENAI_API_KEY: "k", OPENAI_MODEL: "big", OPENAI_TITLE_MODEL: "small" });
    expect(choice.model.modelId).toBe("big");
    expect(choice.titleModel.modelId).toBe("small");
    expect(chooseModel({ OPENAI_API_KEY: "k", OPENAI_MODEL: "big" }).titleModel.modelId).toBe("big");
  });

  it("offers OPENAI_MODELS, the default first, and falls back to the default for anything else", () => {
    const choice = chooseModel({ OPENAI_API_KEY: "k", OPENAI_MODELS: "small, big ,small", OPENAI_MODEL: "big" });
    expect(choice.offered).toEqual(["big", "small"]);
    expect(choice.modelFor("small").modelId).toBe("small");
    expect(choice.modelFor("evil").modelId).toBe("big");
    expect(choice.modelFor(null).modelId).toBe("big");
    expect(chooseModel({ OPENAI_API_KEY: "k", OPENAI_MODELS: "a,b" }).label).toBe("a");
    expect(chooseModel({ OPENAI_API_KEY: "k" }).offered).toEqual(["gpt-4o"]);
    expect(chooseModel({}).offered).toEqual([]);
  });

  it("rejects an unknown OPENAI_API_MODE instead of guessing", () => {
    expect(() => chooseModel({ OPENAI_API_KEY: "k", OPENAI_API_MODE: "completions" })).toThrow(/OPENAI_API_MODE/);
  });
});

describe("the demo model", () => {
  it("streams a labelled reply word by word that quotes the user", async () => {
    const { model } = chooseModel({});
    const result = streamText({ model, prompt: "What is the capital of France?" });
    const chunks: string[] = [];
    for await (const delta of result.textStream) chunks.push(delta);
    expect(chunks.length).toBeGreaterThan(20);
    const text = chunks.join("");
    expect(text).toMatch(/offline demo model, not an AI/);
    expect(text).toContain("What is the capital of France?");
    expect(text).toMatch(/OPENAI_API_KEY/);
  });

  it("makes a title from the first user message", async () => {
    const { titleModel } = chooseModel({});
    const { text } = await generateText({ model: titleModel, system: "title", prompt: "Plan a trip to Lisbon in May" });
    expect(text).toBe("Plan a trip to Lisbon in May");
    expect(demoTitle("word ".repeat(40))).toMatch(/^(word ){10,}.*…$/);
    expect(demoTitle("word ".repeat(40)).length).toBeLessThanOrEqual(60);
    expect(demoTitle("   ")).toBe("New chat");
  });
});

describe("the stall timeout", () => {
  it("fails a stream that goes silent with an error, not a silent abort", async () => {
    const silent = withStallTimeout(createDemoModel({ wordDelayMs: 500 }), 100);
    const result = streamText({ model: silent, prompt: "hello", maxRetries: 0, onError: () => {} });
    // The result's summary promises reject with the same error; this test reads the stream instead.
    for (const summary of [result.text, result.finishReason, result.usage, result.steps])
      void Promise.resolve(summary).catch(() => {});
    const parts: { type: string; error?: unknown }[] = [];
    let error: unknown;
    try {
      for await (const part of result.fullStream) {
        parts.push(part);
        if (part.type === "error") error = part.error;
      }
    } catch (thrown) {
      error = thrown; // the UI stream turns either form into the error the thread shows
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("ModelStalledError");
    expect(parts.filter((p) => p.type === "text-delta").length).toBeLessThan(3);
  });

  it("leaves a model that keeps talking alone, however long it takes", async () => {
    const steady = withStallTimeout(createDemoModel({ wordDelayMs: 5 }), 100);
    const result = streamText({ model: steady, prompt: "a longer reply please" });
    expect(await result.text).toMatch(/offline demo model/);
  });
});
