import type { UIMessage } from "ai";
import { describe, expect, it } from "vitest";
import { replyStatus, toStoredMessage } from "@/lib/chat/messages";

const reply = (metadata?: unknown): UIMessage => ({
  id: "a",
  role: "assistant",
  parts: [{ type: "text", text: "hi" }],
  metadata,
});

describe("reply status", () => {
  it("is complete only when the model said it finished", () => {
    expect(replyStatus(reply({ finishReason: "stop" }))).toBe("complete");
    expect(replyStatus(reply({ finishReason: "length" }))).toBe("complete");
    expect(replyStatus(reply({ finishReason: "error" }))).toBe("incomplete");
    expect(replyStatus(reply())).toBe("incomplete"); // Stop, or a cut stream
    expect(replyStatus(reply({ finishReason: "stop" }), true)).toBe("error");
    expect(replyStatus({ id: "u", role: "user", parts: [] })).toBe("complete");
  });

  it("stores the message without its id, in assistant-ui's AI SDK format", () => {
    expect(toStoredMessage(reply({ finishReason: "stop" }), "u1")).toEqual({
      id: "a",
      parentId: "u1",
      role: "assistant",
      format: "ai-sdk/v6",
      content: { role: "assistant", parts: [{ type: "text", text: "hi" }], metadata: { finishReason: "stop" } },
      status: "complete",
    });
  });
});
