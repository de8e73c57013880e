import type { LanguageModelV4, LanguageModelV4CallOptions, LanguageModelV4StreamPart } from "@ai-sdk/provider";

const usage = (output: number) => ({
  inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: output, text: output, reasoning: 0 },
});

function lastUserText(options: LanguageModelV4CallOptions): string {
  const user = options.prompt.filter((m) => m.role === "user").at(-1);
  if (!user) return "";
  return user.content
    .flatMap((part) => (part.type === "text" ? [part.text] : []))
    .join(" ")
    .trim();
}

export function demoReply(userText: string): string {
  const quoted = userText.length > 200 ? `${userText.slice(0, 200)}…` : userText;
  return [
    "**This is the offline demo model, not an AI.** No model is configured, so I can only echo you:",
    "",
    `> ${quoted.replace(/\n/g, "\n> ") || "(empty message)"}`,
    "",
    "To chat with a real model, set `OPENAI_API_KEY` (OpenAI), or `OPENAI_BASE_URL` and `OPENAI_MODEL` for any OpenAI-compatible server (Ollama, vLLM, llama.cpp, LM Studio), then restart the app.",
  ].join("\n");
}

/** A title from the first user message: its first words, at most 60 characters. */
export function demoTitle(userText: string): string {
  const words = userText.replace(/\s+/g, " ").trim();
  if (!words) return "New chat";
  return words.length <= 60 ? words : `${words.slice(0, 59).replace(/\s+\S*$/, "")}…`;
}

/**
 * The model used when none is configured: it streams a canned, clearly labelled reply word by
 * word, so the whole app (streaming, persistence, titles) works on a machine with no key.
 */
export function createDemoModel(options: { wordDelayMs?: number } = {}): LanguageModelV4 {
  const delay = options.wordDelayMs ?? 15;
  return {
    specificationVersion: "v4",
    provider: "demo",
    modelId: "demo",
    supportedUrls: {},
    async doGenerate(call) {
      const text = demoTitle(lastUserText(call));
      return {
        content: [{ type: "text", text }],
        finishReason: { unified: "stop", raw: "stop" },
        usage: usage(text.split(" ").length),
        warnings: [],
      };
    },
    async doStream(call) {
      const words = demoReply(lastUserText(call)).split(/(?<=\s)/);
      const signal = call.abortSignal;
      const stream = new ReadableStream<LanguageModelV4StreamPart>({
        async start(controller) {
          controller.enqueue({ type: "stream-start", warnings: [] });
          controller.enqueue({ type: "text-start", id: "demo" });
          for (const word of words) {
            if (signal?.aborted) break;
            controller.enqueue({ type: "text-delta", id: "demo", delta: word });
            if (delay) await new Promise((r) => setTimeout(r, delay));
          }
          controller.enqueue({ type: "text-end", id: "demo" });
          controller.enqueue({
            type: "finish",
            finishReason: { unified: "stop", raw: "stop" },
            usage: usage(words.length),
          });
          controller.close();
        },
      });
      return { stream };
    },
  };
}
