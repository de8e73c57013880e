import { fromThreadMessageLike } from "@assistant-ui/react";
import { describe, expect, it } from "vitest";
import type { UIMessage } from "ai";
import {
  branchEndingAt,
  contextMessageLimit,
  fromUIMessage,
  newestForContext,
  newestPartOfThread,
  openingWindow,
  storedToolCall,
  threadIdFromPath,
  threadPath,
  toUIMessage,
  visibleText,
} from "@/lib/shared/chat-messages";
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

describe("tool calls across the bridge", () => {
  // A reply as the server stores it: the model called two tools (one of them denied), then answered.
  const stored = {
    id: "a1",
    role: "assistant" as const,
    parts: [
      { type: "step-start" as const },
      {
        type: "dynamic-tool" as const,
        toolName: "echo",
        toolCallId: "call_1",
        title: "Test tools · Echo",
        state: "output-available" as const,
        input: { text: "hi" },
        output: { outcome: "allowed", text: "hi" },
      },
      {
        type: "tool-slow",
        toolCallId: "call_2",
        state: "output-available",
        input: { ms: 10 },
        output: { outcome: "denied", text: "The person declined to run this tool." },
      },
      {
        type: "dynamic-tool" as const,
        toolName: "fail",
        toolCallId: "call_3",
        state: "output-error" as const,
        input: {},
        errorText: "boom",
      },
      // Cut short before its answer (the reply was stopped).
      {
        type: "dynamic-tool" as const,
        toolName: "add",
        toolCallId: "call_4",
        state: "input-available" as const,
        input: { a: 1, b: 2 },
      },
      { type: "step-start" as const },
      { type: "text" as const, text: "Tool result: hi", state: "done" as const },
    ],
  } as Parameters<typeof fromUIMessage>[0];

  it("a stored reply's tool parts become assistant-ui tool calls, in order, with their arguments and results", () => {
    const like = fromUIMessage(stored);
    expect(like.content).toEqual([
      {
        type: "tool-call",
        toolCallId: "call_1",
        toolName: "echo",
        args: { text: "hi" },
        argsText: '{"text":"hi"}',
        result: { outcome: "allowed", text: "hi" },
        isError: false,
        artifact: { title: "Test tools · Echo" },
      },
      {
        type: "tool-call",
        toolCallId: "call_2",
        toolName: "slow",
        args: { ms: 10 },
        argsText: '{"ms":10}',
        result: { outcome: "denied", text: "The person declined to run this tool." },
        isError: true,
      },
      {
        type: "tool-call",
        toolCallId: "call_3",
        toolName: "fail",
        args: {},
        argsText: "{}",
        result: { outcome: "failed", text: "boom" },
        isError: true,
      },
      { type: "tool-call", toolCallId: "call_4", toolName: "add", args: { a: 1, b: 2 }, argsText: '{"a":1,"b":2}' },
      { type: "text", text: "Tool result: hi" },
    ]);
    // assistant-ui takes them as they are.
    const message = fromThreadMessageLike(like, "a1", { type: "complete", reason: "unknown" });
    expect(message.content.map((p) => p.type)).toEqual(["tool-call", "tool-call", "tool-call", "tool-call", "text"]);
  });

  it("never sends tool calls back: the server alone writes them", () => {
    const message = fromThreadMessageLike(fromUIMessage(stored), "a1", { type: "complete", reason: "unknown" });
    expect(toUIMessage(message).parts).toEqual([{ type: "text", text: "Tool result: hi", state: "done" }]);
  });

  it("a user message's tool-looking parts are not tool calls", () => {
    const like = fromUIMessage({ ...stored, role: "user" });
    expect(like.content).toEqual([{ type: "text", text: "Tool result: hi" }]);
  });

  it("storedToolCall reads both part shapes and nothing else", () => {
    expect(storedToolCall({ type: "text", text: "x" })).toBeNull();
    expect(storedToolCall({ type: "dynamic-tool", toolCallId: 5 })).toBeNull();
    expect(storedToolCall({ type: "tool-echo", toolCallId: "c", state: "output-denied" })).toMatchObject({
      toolName: "echo",
      result: { outcome: "denied" },
    });
  });
});

describe("a thread with tool calls as Markdown", () => {
  it("names each tool call and its outcome where it happened, without its arguments or result", async () => {
    const { threadToMarkdown } = await import("@/lib/chat/export");
    const markdown = threadToMarkdown({
      title: "Tools",
      messages: [
        {
          id: "u1",
          parentId: null,
          role: "user",
          content: { role: "user", parts: [{ type: "text", text: "Echo hi" }] },
        },
        {
          id: "a1",
          parentId: "u1",
          role: "assistant",
          content: {
            role: "assistant",
            parts: [
              { type: "text", text: "Let me check." },
              {
                type: "dynamic-tool",
                toolName: "echo",
                toolCallId: "call_1",
                title: "Test tools · [Echo]",
                state: "output-available",
                input: { text: "secret argument" },
                output: { outcome: "allowed", text: "secret result" },
              },
              { type: "tool-slow", toolCallId: "call_2", state: "input-available", input: { ms: 1 } },
              { type: "text", text: "Tool result: hi" },
            ],
          },
        },
      ],
    } as unknown as Parameters<typeof threadToMarkdown>[0]);
    expect(markdown).toContain(
      "## Assistant\n\nLet me check.\n\nTool Test tools · \\[Echo\\]: allowed\n\nTool slow: stopped\n\nTool result: hi",
    );
    expect(markdown).not.toContain("secret");
  });
});

describe("a tool call's arguments and result as the person reads them", () => {
  it("shows invisible and direction-changing characters as escapes, keeping lines and tabs", () => {
    expect(visibleText('{\n\t"to": "boss@corp.example\u202Egro.live"}')).toBe(
      '{\n\t"to": "boss@corp.example\\u202egro.live"}',
    );
    expect(visibleText("a\u200Bb\u2066c\u2069\uFEFF\u0007")).toBe("a\\u200bb\\u2066c\\u2069\\ufeff\\u0007");
    expect(visibleText("plain text, émoji 🙂")).toBe("plain text, émoji 🙂");
  });
});

describe("the newest messages a chat request carries", () => {
  const message = (i: number, chars = 10): UIMessage => ({
    id: `m${i}`,
    role: i % 2 ? "assistant" : "user",
    parts: [{ type: "text", text: "x".repeat(chars) }],
  });
  const branch = (n: number, chars = 10) => Array.from({ length: n }, (_, i) => message(i, chars));

  it("sends a short branch whole", () => {
    expect(newestForContext(branch(7)).map((m) => m.id)).toEqual(["m0", "m1", "m2", "m3", "m4", "m5", "m6"]);
  });

  it("sends at most the newest contextMessageLimit messages of a long branch, ending with the new one", () => {
    const sent = newestForContext(branch(501));
    expect(sent).toHaveLength(contextMessageLimit);
    expect(sent.at(-1)!.id).toBe("m500");
    expect(sent[0].id).toBe(`m${501 - contextMessageLimit}`);
  });

  it("stops at the byte budget, but always keeps the new message and its parent", () => {
    const sent = newestForContext(branch(40, 50_000));
    expect(sent.length).toBeGreaterThanOrEqual(2);
    expect(sent.length).toBeLessThan(40);
    expect(JSON.stringify(sent).length).toBeLessThan(1_000_000);
    expect(sent.at(-1)!.id).toBe("m39");
    const huge = newestForContext(branch(5, 600_000));
    expect(huge.map((m) => m.id)).toEqual(["m3", "m4"]);
  });
});

describe("the newest part of a long thread the chat runtime opens with", () => {
  /** `m1`…`mN`, each the parent of the next, oldest first as the API lists them. */
  const chain = (n: number, prefix = "m", parentOfFirst: string | null = null) =>
    Array.from({ length: n }, (_, i) => ({
      id: `${prefix}${i + 1}`,
      parentId: i === 0 ? parentOfFirst : `${prefix}${i}`,
    }));

  it("holds a thread within the window whole", () => {
    const messages = chain(openingWindow);
    expect(newestPartOfThread(messages)).toEqual({ messages, rootId: null, rootParentId: null, hidden: 0 });
  });

  it("holds the newest messages, those on screen, and where they hang in the stored thread", () => {
    const part = newestPartOfThread(chain(500));
    expect(part.messages).toHaveLength(openingWindow);
    expect(part.rootId).toBe(`m${500 - openingWindow + 1}`);
    expect(part.rootParentId).toBe(`m${500 - openingWindow}`);
    expect(part.messages[0]!.id).toBe(part.rootId);
    expect(part.messages.at(-1)!.id).toBe("m500");
    expect(part.hidden).toBe(500 - openingWindow);
  });

  it("keeps every branch from its first message down, its siblings included, and none above it", () => {
    const main = chain(300);
    // An edit of m295 (a branch below the part's first message, m281), of m281 itself (a sibling
    // under the same stored parent) and of m10 (above it).
    const below = chain(3, "b", "m294");
    const sibling = chain(2, "s", "m280");
    const above = chain(4, "a", "m9");
    // The person was last on the main branch: it is listed last.
    const messages = [...main.slice(0, 299), ...above, ...sibling, ...below, main[299]!];
    const part = newestPartOfThread(messages);
    expect(part).toMatchObject({ rootId: "m281", rootParentId: "m280" });
    const ids = part.messages.map((m) => m.id);
    expect(ids).toEqual(expect.arrayContaining(["b1", "b2", "b3", "s1", "s2", "m295", "m300"]));
    expect(ids.some((id) => id.startsWith("a") || id === "m10" || id === "m280")).toBe(false);
    expect(part.messages).toHaveLength(openingWindow + 3 + 2);
    // Listed in the order given.
    expect(ids.indexOf("b1")).toBeGreaterThan(ids.indexOf("m294"));
    expect(ids.at(-1)).toBe("m300");
  });

  it("opens on the branch the person was last on, counting only its messages as hidden", () => {
    // The newest message is on a branch that left the main one at m200 and is 150 long.
    const messages = [...chain(400), ...chain(150, "b", "m200")];
    const part = newestPartOfThread(messages);
    expect(part.messages.at(-1)!.id).toBe("b150");
    expect(part.hidden).toBe(200 + 150 - openingWindow);
    expect(part.messages.some((m) => m.id === "m400")).toBe(false);
  });

  it("ends on a malformed parent loop instead of walking it forever", () => {
    const messages = [...chain(200), { id: "x", parentId: "m200" }];
    messages[0] = { id: "m1", parentId: "x" };
    const part = newestPartOfThread(messages);
    expect(part.messages.length).toBeLessThanOrEqual(messages.length);
    expect(part.hidden).toBeGreaterThan(0);
  });
});

describe("the context before a long thread's newest part", () => {
  const chain = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ id: `m${i + 1}`, parentId: i === 0 ? null : `m${i}` }));

  it("is the part's stored parent and its ancestors, oldest first, at most as many as asked", () => {
    const part = newestPartOfThread(chain(500));
    const before = branchEndingAt(chain(500), part.rootParentId, contextMessageLimit - openingWindow);
    expect(before.map((m) => m.id)).toEqual(
      Array.from({ length: contextMessageLimit - openingWindow }, (_, i) => `m${401 + i}`),
    );
    // With the part, what a message sent after m500 carries: the 100 newest of the branch.
    expect([...before, ...part.messages].slice(-contextMessageLimit)[0]!.id).toBe("m401");
  });

  it("follows the branch through its parents, not the order of the list", () => {
    // m3 was edited (m3b), and the branch on screen goes on from the edit.
    const messages = [...chain(5), { id: "m3b", parentId: "m2" }, { id: "m4b", parentId: "m3b" }];
    expect(branchEndingAt(messages, "m4b", 10).map((m) => m.id)).toEqual(["m1", "m2", "m3b", "m4b"]);
  });

  it("is empty for a part that starts at the thread's first message, and ends on a parent loop", () => {
    expect(branchEndingAt(chain(10), null, 5)).toEqual([]);
    const loop = [
      { id: "a", parentId: "b" },
      { id: "b", parentId: "a" },
    ];
    expect(branchEndingAt(loop, "a", 10).map((m) => m.id)).toEqual(["b", "a"]);
    expect(branchEndingAt(chain(10), "missing", 5)).toEqual([]);
  });
});
