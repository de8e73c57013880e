import { describe, expect, it } from "vitest";
import {
  fakeEmbedding,
  fakeEmbeddingDimensions,
  startFakeOpenAI,
  systemReplyTokens,
  systemTextOf,
} from "../support/fake-openai";

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0);

describe("the fake model's instructions and embeddings", () => {
  it("reads the system text of both API shapes", () => {
    expect(
      systemTextOf({
        messages: [
          { role: "system", content: "Be brief." },
          { role: "developer", content: [{ type: "text", text: "Cite [1]." }] },
          { role: "user", content: "hi" },
        ],
      }),
    ).toBe("Be brief.\n\nCite [1].");
    expect(systemTextOf({ instructions: "Answer in German.", input: [{ role: "user", content: "hi" }] } as never)).toBe(
      "Answer in German.",
    );
    expect(systemTextOf({ input: [{ role: "system", content: "From input." }] })).toBe("From input.");
    expect(systemTextOf({ messages: [{ role: "user", content: "hi" }] })).toBeNull();
    expect(systemReplyTokens("two\nlines here").join("")).toBe("System: two\nlines here");
    expect(systemReplyTokens(null).join("")).toBe("System: (none)");
  });

  it("embeds deterministically as unit vectors, texts sharing words closer than unrelated ones", () => {
    const a = fakeEmbedding("The tomatoes are watered every Tuesday");
    expect(a).toHaveLength(fakeEmbeddingDimensions);
    expect(Math.hypot(...a)).toBeCloseTo(1, 10);
    expect(fakeEmbedding("The tomatoes are watered every Tuesday")).toEqual(a);
    const related = fakeEmbedding("When is the tomato watering?");
    const unrelated = fakeEmbedding("Quarterly invoice reconciliation procedure");
    expect(cosine(a, related)).toBeGreaterThan(cosine(a, unrelated) + 0.2);
    expect(Math.hypot(...fakeEmbedding(""))).toBeCloseTo(1, 10);
  });

  it("serves embeddings in OpenAI's shape and records the system text of each request", async () => {
    const fake = await startFakeOpenAI({ tokenDelayMs: 0 });
    try {
      const embedded = await fetch(`${fake.url}/embeddings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "fake-embedding", input: ["one text", "another text"] }),
      });
      const body = (await embedded.json()) as { data: { index: number; embedding: number[] }[]; usage: unknown };
      expect(body.data.map((d) => d.index)).toEqual([0, 1]);
      expect(body.data[0]!.embedding).toEqual(fakeEmbedding("one text"));
      expect(body.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
      expect(fake.embeddings()).toEqual({ requests: 1, inputs: ["one text", "another text"] });
      const failing = await fetch(`${fake.url}/embeddings`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "fake-embedding", input: "[fail-embeddings]" }),
      });
      expect(failing.status).toBe(500);

      const chat = await fetch(`${fake.url}/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "fake-model",
          messages: [
            { role: "system", content: "Project rules." },
            { role: "user", content: "[system] what were you told?" },
          ],
        }),
      });
      const reply = (await chat.json()) as { choices: { message: { content: string } }[] };
      expect(reply.choices[0]!.message.content).toBe("System: Project rules.");
      const recorded = await (await fetch(`${fake.url.replace(/\/v1$/, "")}/__system`)).json();
      expect(recorded).toEqual([{ userText: "[system] what were you told?", system: "Project rules." }]);
    } finally {
      await fake.close();
    }
  });
});
