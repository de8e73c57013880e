import { fromThreadMessageLike } from "@assistant-ui/react";
import { describe, expect, it } from "vitest";
import { fromUIMessage, toUIMessage } from "@/lib/chat-messages";
import { replyStatus } from "@/lib/messages";

const reply = (custom: Record<string, unknown>, status: Parameters<typeof fromThreadMessageLike>[2]) =>
  fromThreadMessageLike(
    {
      id: "a1",
      role: "assistant",
      content: [
        { type: "reasoning", text: "thinking" },
        { type: "text", text: "Hello" },
      ],
      metadata: { custom },
    },
    "a1",
    status,
  );

describe("the browser's message bridge", () => {
  it("turns a finished reply into the stored UIMessage the server marks complete", () => {
    const message = toUIMessage(reply({ finishReason: "stop" }, { type: "complete", reason: "stop" }));
    expect(message).toEqual({
      id: "a1",
      role: "assistant",
      parts: [
        { type: "reasoning", text: "thinking", state: "done" },
        { type: "text", text: "Hello", state: "done" },
      ],
      metadata: { finishReason: "stop" },
    });
    expect(replyStatus(message)).toBe("complete");
  });

  it("leaves a stopped reply without a finish reason, so it is stored as incomplete", () => {
    const message = toUIMessage(reply({}, { type: "incomplete", reason: "cancelled" }));
    expect(message.metadata).toBeUndefined();
    expect(replyStatus(message)).toBe("incomplete");
  });

  it("sends user messages as plain text parts and reads stored messages back", () => {
    const user = fromThreadMessageLike({ id: "u1", role: "user", content: "Hi there" }, "u1", { type: "complete", reason: "unknown" });
    const sent = toUIMessage(user);
    expect(sent).toEqual({ id: "u1", role: "user", parts: [{ type: "text", text: "Hi there" }] });
    expect(fromUIMessage({ ...sent, parts: [{ type: "step-start" }, ...sent.parts] })).toEqual({
      id: "u1",
      role: "user",
      content: [{ type: "text", text: "Hi there" }],
    });
  });
});
