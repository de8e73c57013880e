import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { strToU8, zipSync } from "fflate";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mapChatGptConversation } from "@/lib/import/chatgpt.mjs";
import { mapClaudeConversation } from "@/lib/import/claude.mjs";
import { ImportProblem, type ImportedConversation, type ImportLimits } from "@/lib/import/conversation.mjs";
import { mapConversation, readExport } from "@/lib/import/export-file.mjs";
import {
  branchedChatGpt,
  chatGptConversation,
  claudeConversation,
  exportJson,
  exportZip,
  simpleChatGpt,
} from "../support/export-fixtures";

const limits: ImportLimits = {
  maxBytes: 1_000_000,
  maxConversations: 100,
  maxMessagesPerConversation: 50,
  maxConversationBytes: 100_000,
  maxMessageChars: 1_000,
  maxTitleChars: 40,
};

const texts = (c: ImportedConversation) =>
  c.messages.map((m) => (JSON.parse(m.content) as { parts: { text: string }[] }).parts[0].text);
const byText = (c: ImportedConversation, text: string) => c.messages[texts(c).indexOf(text)];
/** What the app shows when the thread opens: the branch of its newest message, first to last. */
function shownBranch(c: ImportedConversation): string[] {
  const all = texts(c);
  const byId = new Map(c.messages.map((m, i) => [m.id, { m, text: all[i] }]));
  const out: string[] = [];
  for (let m: ImportedConversation["messages"][number] | undefined = c.messages.at(-1); m;) {
    out.unshift(byId.get(m.id)!.text);
    m = m.parentId === null ? undefined : byId.get(m.parentId)!.m;
  }
  return out;
}
const problem = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ImportProblem);
    return (error as ImportProblem).message;
  }
  throw new Error("expected a refusal");
};

describe("ChatGPT conversations", () => {
  it("keeps the title, the dates, both branches and the branch the person was last on", () => {
    const c = mapChatGptConversation(branchedChatGpt(), 0, limits);
    expect(c.title).toBe("Garden planning");
    expect(new Date(c.createdAt).toISOString()).toBe("2024-03-01T10:00:00.000Z");
    // The last activity: the newest message (moved a millisecond past it, as it is not the branch the person was on).
    expect(c.updatedAt - Date.parse("2024-03-02T09:00:00Z")).toBeGreaterThanOrEqual(0);
    expect(c.updatedAt - Date.parse("2024-03-02T09:00:00Z")).toBeLessThanOrEqual(1);
    // The system node, the tool call, its output and the deleted message are gone.
    expect(texts(c).sort()).toEqual(
      [
        "Which tomatoes grow well in pots?",
        "Cherry tomatoes do best.",
        "And cucumbers?",
        "Bush cucumbers fit pots.",
        "And peppers?",
        "Peppers like warmth.\n\n[Attachment not included in the export: image]",
      ].sort(),
    );
    // The reply after the tool call hangs under the question, past the skipped nodes.
    expect(byText(c, "Cherry tomatoes do best.").parentId).toBe(byText(c, "Which tomatoes grow well in pots?").id);
    // The edited question is a sibling of the first one: the branch picker shows both.
    const a1 = byText(c, "Cherry tomatoes do best.").id;
    expect(byText(c, "And cucumbers?").parentId).toBe(a1);
    expect(byText(c, "And peppers?").parentId).toBe(a1);
    // The reply under the deleted message hangs under the edited question.
    const peppers = byText(c, "Peppers like warmth.\n\n[Attachment not included in the export: image]");
    expect(peppers.parentId).toBe(byText(c, "And peppers?").id);
    // current_node was on the peppers branch although the cucumber reply is newer: it opens there.
    expect(shownBranch(c)).toEqual([
      "Which tomatoes grow well in pots?",
      "Cherry tomatoes do best.",
      "And peppers?",
      "Peppers like warmth.\n\n[Attachment not included in the export: image]",
    ]);
    // Every message comes after its parent, and the message ids are new.
    const at = new Map(c.messages.map((m) => [m.id, m.createdAt]));
    for (const m of c.messages) if (m.parentId) expect(m.createdAt).toBeGreaterThan(at.get(m.parentId)!);
    expect(c.messages.every((m) => /^[0-9a-f-]{36}$/.test(m.id))).toBe(true);
    expect(JSON.parse(c.messages[1].content)).toEqual({
      role: "assistant",
      parts: [{ type: "text", text: "Cherry tomatoes do best.", state: "done" }],
    });
  });

  it("turns files the export only names into notes, and skips hidden context", () => {
    const c = chatGptConversation({
      title: "Files",
      created: "2024-01-01T00:00:00Z",
      updated: "2024-01-01T00:00:00Z",
      current: "q",
      nodes: [
        { id: "root", parent: null },
        {
          id: "ctx",
          parent: "root",
          role: "user",
          text: "custom instructions",
          contentType: "user_editable_context",
        },
        {
          id: "q",
          parent: "ctx",
          role: "user",
          text: "Summarise this",
          extra: { attachments: [{ name: "report.pdf" }] },
        },
      ],
    });
    expect(texts(mapChatGptConversation(c, 0, limits))).toEqual([
      "Summarise this\n\n[Attachment not included in the export: report.pdf]",
    ]);
  });

  it("cleans text PostgreSQL cannot store and shortens long titles", () => {
    const c = mapChatGptConversation(
      simpleChatGpt(`A ${"very ".repeat(20)}long title`, "a\u0000b \ud800", "ok"),
      0,
      limits,
    );
    expect(texts(c)[0]).toBe("a\uFFFDb \uFFFD");
    expect(c.title!.length).toBe(40);
    expect(c.title!.endsWith("…")).toBe(true);
  });

  it("refuses loops, broken nodes and conversations over a limit, naming the conversation", () => {
    const loop = simpleChatGpt("Loop", "q", "a");
    (loop.mapping.root as { parent: string }).parent = "a";
    expect(problem(() => mapChatGptConversation(loop, 2, limits))).toMatch(/^Conversation 3 \("Loop"\).*loop/);
    const self = simpleChatGpt("Self", "q", "a");
    (self.mapping.q as { parent: string }).parent = "q";
    expect(problem(() => mapChatGptConversation(self, 0, limits))).toMatch(/loop/);
    expect(problem(() => mapChatGptConversation({ title: "x", mapping: [] }, 0, limits))).toMatch(/no "mapping"/);
    expect(problem(() => mapChatGptConversation({ mapping: { a: 5 } }, 0, limits))).toMatch(/not an object/);
    const long = simpleChatGpt("Long", "x".repeat(1_001), "a");
    expect(problem(() => mapChatGptConversation(long, 0, limits))).toMatch(/message 1 has 1001 characters/);
    const many = chatGptConversation({
      title: "Many",
      created: "2024-01-01T00:00:00Z",
      updated: "2024-01-01T00:00:00Z",
      current: "n50",
      nodes: Array.from({ length: 51 }, (_, i) => ({
        id: `n${i}`,
        parent: i === 0 ? null : `n${i - 1}`,
        role: "user" as const,
        text: `${i}`,
      })),
    });
    expect(problem(() => mapChatGptConversation(many, 0, limits))).toMatch(/has 51 messages; .* at most 50/);
  });

  it("walks a 5,000-deep chain and a 5,000-wide fan without running out of stack", () => {
    const wide = { ...limits, maxMessagesPerConversation: 5_001 };
    const node = (i: number, parent: string | null) => ({
      id: `n${i}`,
      parent,
      role: i % 2 ? ("assistant" as const) : ("user" as const),
      text: `${i}`,
    });
    const shape = (nodes: ReturnType<typeof node>[], current: string) =>
      chatGptConversation({
        title: "Deep",
        created: "2024-01-01T00:00:00Z",
        updated: "2024-01-01T00:00:00Z",
        current,
        nodes,
      });
    const chain = shape(
      Array.from({ length: 5_000 }, (_, i) => node(i, i === 0 ? null : `n${i - 1}`)),
      "n4999",
    );
    const deep = mapChatGptConversation(chain, 0, wide);
    expect(deep.messages).toHaveLength(5_000);
    expect(shownBranch(deep)).toHaveLength(5_000);
    const fan = shape(
      Array.from({ length: 5_001 }, (_, i) => node(i, i === 0 ? null : "n0")),
      "n5000",
    );
    expect(mapChatGptConversation(fan, 0, wide).messages).toHaveLength(5_001);
    // A loop hanging off a real tree is never reached from a root: refused, not walked forever.
    const looped = shape([node(0, null), node(1, "n0"), node(2, "n3"), node(3, "n2")], "n1");
    expect(problem(() => mapChatGptConversation(looped, 0, limits))).toMatch(/loop/);
  });
});

describe("Claude conversations", () => {
  it("reads them in order when messages name no parent, skipping deleted ones and noting files", () => {
    const c = mapClaudeConversation(claudeConversation(), 0, limits);
    expect(c.title).toBe("Sourdough starter");
    expect(new Date(c.createdAt).toISOString()).toBe("2024-05-10T12:00:00.000Z");
    expect(shownBranch(c)).toEqual([
      "How often should I feed my starter?\n\n[Attachment not included in the export: starter-photo.jpg]",
      "Once a day at room temperature.",
      "What flour works best?",
      "Whole rye makes it lively.",
    ]);
    expect(c.messages).toHaveLength(4);
  });

  it("follows parent_message_uuid into branches", () => {
    const c = mapClaudeConversation(claudeConversation({ withParents: true }), 0, limits);
    expect(c.messages).toHaveLength(5);
    const question = byText(
      c,
      "How often should I feed my starter?\n\n[Attachment not included in the export: starter-photo.jpg]",
    );
    expect(byText(c, "Every twelve hours if it is warm.").parentId).toBe(question.id);
    expect(byText(c, "Once a day at room temperature.").parentId).toBe(question.id);
    expect(shownBranch(c).at(-1)).toBe("Whole rye makes it lively.");
  });

  it("cannot be made to loop by parent pointers, and treats __proto__ as a plain id", () => {
    const message = (uuid: string, parent: string, text: string, sender = "human") => ({
      uuid,
      parent_message_uuid: parent,
      sender,
      text,
      content: [{ type: "text", text }],
      created_at: "2024-05-10T12:00:00Z",
    });
    const c = mapClaudeConversation(
      {
        name: "Loop",
        chat_messages: [
          message("a", "b", "first"),
          message("b", "a", "second", "assistant"),
          message("__proto__", "__proto__", "third"),
          message("c", "__proto__", "fourth", "assistant"),
        ],
      },
      0,
      limits,
    );
    expect(shownBranch(c)).toEqual(["first", "second", "third", "fourth"]);
  });

  it("refuses what is not a conversation", () => {
    expect(problem(() => mapClaudeConversation({ name: "x", chat_messages: {} }, 4, limits))).toMatch(
      /^Conversation 5 \("x"\) is not a Claude conversation/,
    );
    expect(problem(() => mapConversation({ hello: 1 }, 0, limits))).toMatch(/neither a ChatGPT conversation/);
    expect(problem(() => mapConversation(7, 0, limits))).toMatch(/neither/);
  });
});

describe("reading an export file", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "import-test-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const read = async (name: string, bytes: Uint8Array | string, overrides: Partial<ImportLimits> = {}) => {
    const file = path.join(dir, name);
    await writeFile(file, bytes);
    const seen: ImportedConversation[] = [];
    await readExport(file, { ...limits, ...overrides }, (raw, index) => {
      seen.push(mapConversation(raw, index, limits));
    });
    return seen;
  };
  const refusal = async (promise: Promise<unknown>) => {
    const error = await promise.then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportProblem);
    return (error as ImportProblem).message;
  };

  it("reads conversations.json of both apps, and either app's zip, by content whatever the name", async () => {
    const both = [branchedChatGpt(), claudeConversation()];
    expect((await read("a.zip", exportJson(both))).map((c) => c.title)).toEqual([
      "Garden planning",
      "Sourdough starter",
    ]);
    expect((await read("b.json", exportZip(both))).map((c) => c.title)).toEqual([
      "Garden planning",
      "Sourdough starter",
    ]);
    expect((await read("c", exportZip([claudeConversation()], "export/"))).map((c) => c.title)).toEqual([
      "Sourdough starter",
    ]);
    expect(await read("d", `\ufeff${exportJson([simpleChatGpt("Bom", "q", "a")])}`)).toHaveLength(1);
  });

  it("reads a split export's numbered parts in order, and nothing else of the zip", async () => {
    const split = zipSync({
      "export/conversations-001.json": strToU8(exportJson([simpleChatGpt("Second", "q", "a")])),
      "export/conversations-000.json": strToU8(exportJson([claudeConversation({ name: "First" })])),
      "export/chat.html": strToU8("<html>not read</html>"),
      "__MACOSX/export/._conversations-000.json": strToU8("junk"),
      "export/deeper/conversations.json": strToU8("not read either"),
    });
    expect((await read("split", split)).map((c) => c.title)).toEqual(["First", "Second"]);
    const broken = zipSync({
      "conversations-000.json": strToU8(exportJson([simpleChatGpt("Fine", "q", "a")])),
      "conversations-001.json": strToU8("[{]"),
    });
    expect(await refusal(read("split-broken", broken))).toMatch(/not valid JSON \(its conversations-001\.json\)/);
  });

  it("refuses malformed files with a clear reason", async () => {
    expect(await refusal(read("e1", '[{"title": "x", "mapping": {}}'))).toMatch(/cut short/);
    expect(await refusal(read("e2", "[{]"))).toMatch(/not valid JSON/);
    expect(await refusal(read("e3", '{"conversations": []}'))).toMatch(/not a list/);
    expect(await refusal(read("e4", ""))).toMatch(/empty/);
    expect(await refusal(read("e5", "   "))).toMatch(/empty/);
    expect(await refusal(read("e6", `${"[".repeat(100)}${"]".repeat(100)}`))).toMatch(/nested more than 64/);
    expect(await refusal(read("e7", zipSync({ "notes.txt": strToU8("hi") })))).toMatch(/no conversations.json/);
    expect(await refusal(read("e8", Buffer.from([0x50, 0x4b, 3, 4, 1, 2, 3])))).toMatch(/damaged/);
    expect(await refusal(read("e9", "[1] trailing"))).toMatch(/not valid JSON/);
  });

  it("refuses what is over a limit, before reading it all", async () => {
    const big = exportJson([simpleChatGpt("Big", "x".repeat(5_000), "a")]);
    expect(await refusal(read("l1", big, { maxConversationBytes: 2_000 }))).toMatch(
      /Conversation 1 is larger than 2000 bytes/,
    );
    expect(await refusal(read("l2", big, { maxBytes: 1_000 }))).toMatch(/larger than 1000 bytes/);
    // A zip bomb: a few kilobytes that inflate far past the limit.
    const bomb = zipSync({ "conversations.json": new Uint8Array(20_000_000).fill(32) }, { level: 9 });
    expect(bomb.length).toBeLessThan(100_000);
    expect(await refusal(read("l3", bomb))).toMatch(/larger than 1000000 bytes once uncompressed/);
  });

  it("bounds an element that is a bare string or number, not only an object", async () => {
    const small = { maxConversationBytes: 2_000 };
    // Refused once it passes the limit, before the tokenizer has built the whole value.
    expect(await refusal(read("s1", `["${"x".repeat(500_000)}"]`, small))).toMatch(
      /Conversation 1 is larger than 2000/,
    );
    expect(await refusal(read("s2", `[1, ${"9".repeat(500_000)}]`, small))).toMatch(
      /Conversation 2 is larger than 2000/,
    );
    // Ended within one chunk, too.
    expect(await refusal(read("s3", `["a", "${"x".repeat(3_000)}", 1]`, small))).toMatch(
      /Conversation 2 is larger than 2000/,
    );
    expect(await refusal(read("s4", `["a", 1]`, small))).toMatch(/neither a ChatGPT conversation/);
  });

  it("refuses a zip listing more than 1000 conversations files, and names entries briefly", async () => {
    const parts: Record<string, [Uint8Array, { level: 0 }]> = {};
    for (let i = 0; i <= 1000; i++)
      parts[`conversations-${String(i).padStart(4, "0")}.json`] = [strToU8("[]"), { level: 0 }];
    expect(await refusal(read("z1", zipSync(parts)))).toMatch(/more than 1000 conversations files/);
    const folder = "f".repeat(5_000);
    const message = await refusal(read("z2", zipSync({ [`${folder}/conversations.json`]: strToU8("[{]") })));
    expect(message).toMatch(/not valid JSON \(its …f+\/conversations\.json\)/);
    expect(message.length).toBeLessThan(400);
  });
});
