import { fromThreadMessageLike } from "@assistant-ui/react";
import { describe, expect, it } from "vitest";
import { fromUIMessage, threadIdFromPath, threadPath, toUIMessage } from "@/lib/shared/chat-messages";
import { spacePath } from "@/lib/shared/workspaces";
import { replyStatus } from "@/lib/chat/messages";

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
    const user = fromThreadMessageLike({ id: "u1", role: "user", content: "Hi there" }, "u1", {
      type: "complete",
      reason: "unknown",
    });
    const sent = toUIMessage(user);
    expect(sent).toEqual({ id: "u1", role: "user", parts: [{ type: "text", text: "Hi there" }] });
    expect(fromUIMessage({ ...sent, parts: [{ type: "step-start" }, ...sent.parts] })).toEqual({
      id: "u1",
      role: "user",
      content: [{ type: "text", text: "Hi there" }],
    });
  });
});

describe("attachments across the bridge", () => {
  const id = "3f2b0c1e-8a4d-4c6e-9b1a-2d3e4f5a6b7c";
  const stored = {
    id: "u1",
    role: "user" as const,
    parts: [
      { type: "text" as const, text: "see this" },
      { type: "file" as const, mediaType: "image/png", filename: "cat.png", url: `/api/attachments/${id}` },
      // Not an upload of this app: never shown as one, never sent on.
      { type: "file" as const, mediaType: "image/png", filename: "evil.png", url: "https://example.com/evil.png" },
    ],
  };

  it("a stored user message shows its uploads as attachments, and goes back to the server as the same file parts", () => {
    const like = fromUIMessage(stored);
    expect(like.attachments).toEqual([
      {
        id,
        type: "image",
        name: "cat.png",
        contentType: "image/png",
        status: { type: "complete" },
        content: [{ type: "file", filename: "cat.png", mimeType: "image/png", data: `/api/attachments/${id}` }],
      },
    ]);
    const back = toUIMessage(fromThreadMessageLike(like, "u1", { type: "complete", reason: "unknown" }));
    expect(back.parts).toEqual(stored.parts.slice(0, 2));
  });
});

describe("thread addresses in their space", () => {
  const id = "0b0e6a52-6f50-4a7c-9d35-3a0b3d4c1e77";
  it("a thread's address keeps its space's prefix, and a new thread is the space's own address", () => {
    expect(threadPath(id)).toBe(`/chat/${id}`);
    expect(threadPath(null)).toBe("/");
    expect(threadPath(id, spacePath({ slug: "acme" }))).toBe(`/w/acme/chat/${id}`);
    expect(threadPath(undefined, spacePath({ slug: "acme" }))).toBe("/w/acme");
    expect(threadPath(id, spacePath(null))).toBe(`/chat/${id}`);
  });

  it("reads the thread id from either form, and nothing from other pages", () => {
    expect(threadIdFromPath(`/chat/${id}`)).toBe(id);
    expect(threadIdFromPath(`/w/acme/chat/${id}`)).toBe(id);
    for (const path of [
      "/",
      "/w/acme",
      "/w/acme/settings",
      "/w/acme/chat",
      "/x/acme/chat/1",
      `/w/a/b/chat/${id}`,
      null,
    ])
      expect(threadIdFromPath(path)).toBeNull();
  });
});
