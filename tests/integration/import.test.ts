import { randomUUID } from "node:crypto";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "@/db/connect";
import { conversationImport, thread, user } from "@/db/schema";
import { createThreadStore } from "@/lib/chat/threads";
import { ApiError } from "@/lib/http/errors";
import { createImporter, defaultWorkerFile, type ImportEvent } from "@/lib/import/import";
import { readImportLimits } from "@/lib/import/limits";
import { createImportStore, type ImportStore } from "@/lib/import/store";
import { apiRefusal } from "../support/api-refusal";
import { engines } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";
import { branchedChatGpt, claudeConversation, exportJson, exportZip, simpleChatGpt } from "../support/export-fixtures";

/** The upload as the /account page sends it: the file in the multipart field `file`. */
function upload(bytes: Uint8Array | string, name = "conversations.json") {
  const form = new FormData();
  form.append("file", new Blob([typeof bytes === "string" ? bytes : new Uint8Array(bytes)]), name);
  return new Request("http://localhost/api/account/import", { method: "POST", body: form });
}

describe.each(engines)("conversation import on $name", ({ open }) => {
  let handle: DatabaseHandle;
  let store: ImportStore;
  let threads: ReturnType<typeof createThreadStore>;
  const limits = { ...readImportLimits({}), maxConversations: 5 };

  const newUser = async (name: string) => {
    const id = randomUUID().replace(/-/g, "");
    await handle.db.insert(user).values({ id, name, email: uniqueEmail(name) });
    return id;
  };
  const threadCount = async (userId: string) =>
    (
      await handle.db
        .select({ n: sql<number>`count(*)::int` })
        .from(thread)
        .where(eq(thread.userId, userId))
    )[0].n;
  const importRows = async (userId: string) =>
    (await handle.db.select().from(conversationImport).where(eq(conversationImport.userId, userId))).length;
  const run = async (importer: ReturnType<typeof createImporter>, userId: string, request: Request) => {
    const { run } = await importer.prepareForUser(userId, request);
    const events: ImportEvent[] = [];
    await run((e) => events.push(e));
    return events;
  };

  beforeAll(async () => {
    handle = open();
    await handle.ready();
    store = createImportStore(handle.db);
    threads = createThreadStore(handle.db);
  });
  afterAll(() => handle.close());

  it("imports both apps' conversations as the importer's own threads, with titles, dates, branches and search", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const importer = createImporter(store, limits, { batchConversations: 2 });
    const events = await run(
      importer,
      alice,
      upload(
        exportJson([
          branchedChatGpt(),
          claudeConversation({ withParents: true }),
          simpleChatGpt("Tea", "Green or black?", "Both."),
        ]),
      ),
    );
    expect(events[0]).toEqual({ type: "started", total: 3, empty: 0 });
    expect(events.filter((e) => e.type === "progress").map((e) => e.type === "progress" && e.imported)).toEqual([2, 3]);
    expect(events.at(-1)).toEqual({ type: "done", imported: 3, empty: 0 });
    expect(await importRows(alice)).toBe(0);

    // In the list, personal, with their original dates (newest activity first).
    const { threads: listed } = await threads.listThreadsForUser(alice, { status: "regular", limit: 10 });
    expect(listed.map((t) => t.title)).toEqual(["Sourdough starter", "Garden planning", "Tea"]);
    const garden = listed[1];
    expect(garden.workspaceId).toBeNull();
    expect(garden.createdAt.toISOString()).toBe("2024-03-01T10:00:00.000Z");
    expect(garden.updatedAt.getTime() - Date.parse("2024-03-02T09:00:00Z")).toBeLessThanOrEqual(1);
    expect(listed[2].updatedAt.toISOString()).toBe("2023-06-01T08:05:00.000Z");
    expect((await threads.getThreadForUser(alice, garden.id))?.sharedAt).toBeNull();

    // The branches are siblings in the tree; the newest message is the branch the person was on.
    const { messages } = JSON.parse((await threads.messagesJsonForUser(alice, garden.id))!) as {
      messages: { id: string; parentId: string | null; content: { parts: { text: string }[] } }[];
    };
    const text = (m: (typeof messages)[number]) => m.content.parts[0].text;
    const byText = (t: string) => messages.find((m) => text(m) === t)!;
    expect(byText("And cucumbers?").parentId).toBe(byText("Cherry tomatoes do best.").id);
    expect(byText("And peppers?").parentId).toBe(byText("Cherry tomatoes do best.").id);
    expect(text(messages.at(-1)!)).toMatch(/^Peppers like warmth\./);

    // The app's search finds imported text, for its owner only.
    expect((await threads.searchThreadsForUser(alice, "cucumbers")).map((r) => r.title)).toEqual(["Garden planning"]);
    expect((await threads.searchThreadsForUser(alice, "rye")).map((r) => r.title)).toEqual(["Sourdough starter"]);
    expect(await threads.searchThreadsForUser(bob, "cucumbers")).toEqual([]);
    expect(await threadCount(bob)).toBe(0);

    // A later message in an imported thread is stored under the branch's last message, as for any thread.
    await threads.saveMessageForUser(
      alice,
      garden.id,
      {
        id: "later",
        parentId: messages.at(-1)!.id,
        role: "user",
        format: "ai-sdk/v6",
        content: { role: "user", parts: [{ type: "text", text: "Thanks" }] },
        status: "complete",
      },
      "keep",
    );
  });

  it("imports the zip either app sends", async () => {
    const carol = await newUser("carol");
    const events = await run(
      createImporter(store, limits),
      carol,
      upload(exportZip([claudeConversation()]), "export.zip"),
    );
    expect(events.at(-1)).toEqual({ type: "done", imported: 1, empty: 0 });
    expect(await threadCount(carol)).toBe(1);
  });

  it("writes nothing for a malformed file or one over a limit, and says what is wrong", async () => {
    const dave = await newUser("dave");
    const importer = createImporter(store, limits);
    const broken = [branchedChatGpt(), { title: "Broken", mapping: "nope" }];
    expect(await apiRefusal(importer.prepareForUser(dave, upload(exportJson(broken))))).toEqual({
      code: "bad_request",
      message: 'Conversation 2 ("Broken") is not a ChatGPT conversation: it has no "mapping" of messages.',
    });
    expect(
      await apiRefusal(importer.prepareForUser(dave, upload(`${exportJson([branchedChatGpt()]).slice(0, -1)}`))),
    ).toEqual({
      code: "bad_request",
      message: expect.stringMatching(/cut short/),
    });
    const six = Array.from({ length: 6 }, (_, i) => simpleChatGpt(`T${i}`, "q", "a"));
    expect(await apiRefusal(importer.prepareForUser(dave, upload(exportJson(six))))).toEqual({
      code: "payload_too_large",
      message: "The file has more than 5 conversations, the most one import may hold.",
    });
    const small = createImporter(store, { ...limits, maxBytes: 100 });
    expect((await apiRefusal(small.prepareForUser(dave, upload(exportJson(six))))).code).toBe("payload_too_large");
    expect(await threadCount(dave)).toBe(0);
    expect(await importRows(dave)).toBe(0);
    expect(importer.stats().running).toBe(0);
  });

  it("undoes every batch already written when a later one fails", async () => {
    const erin = await newUser("erin");
    let batches = 0;
    const failing: ImportStore = {
      ...store,
      insertBatchForUser: async (...args) => {
        if (++batches === 2) throw new Error("disk full");
        return store.insertBatchForUser(...args);
      },
    };
    const convs = Array.from({ length: 4 }, (_, i) => simpleChatGpt(`T${i}`, "q", "a"));
    const events = await run(
      createImporter(failing, limits, { batchConversations: 2 }),
      erin,
      upload(exportJson(convs)),
    );
    expect(events.at(-1)).toEqual({ type: "error", error: { code: "internal_error", message: expect.any(String) } });
    expect(batches).toBe(2);
    expect(await threadCount(erin)).toBe(0);
    expect(await importRows(erin)).toBe(0);
  });

  it("runs at most maxRunning imports per process: another person's waits with a 503, and writes nothing", async () => {
    const [gina, hal] = [await newUser("gina"), await newUser("hal")];
    const importer = createImporter(store, limits, { maxRunning: 1 });
    const first = await importer.prepareForUser(gina, upload(exportJson([simpleChatGpt("One", "q", "a")])));
    expect(
      await apiRefusal(importer.prepareForUser(hal, upload(exportJson([simpleChatGpt("Two", "q", "a")])))),
    ).toEqual({
      code: "service_unavailable",
      message: expect.stringMatching(/Too many imports/),
    });
    expect([await threadCount(hal), await importRows(hal)]).toEqual([0, 0]);
    await first.run(() => {});
    expect(importer.stats().running).toBe(0);
    await run(importer, hal, upload(exportJson([simpleChatGpt("Two", "q", "a")])));
    expect(await threadCount(hal)).toBe(1);
  });

  it("lets exactly one of several imports a person starts at once in; the others get 409", async () => {
    const ivy = await newUser("ivy");
    const importer = createImporter(store, limits);
    const attempts = await Promise.allSettled(
      Array.from({ length: 4 }, (_, i) =>
        importer.prepareForUser(ivy, upload(exportJson([simpleChatGpt(`T${i}`, "q", "a")]))),
      ),
    );
    const started = attempts.filter((a) => a.status === "fulfilled");
    expect(started).toHaveLength(1);
    for (const a of attempts) if (a.status === "rejected") expect((a.reason as ApiError).code).toBe("conflict");
    if (started[0].status === "fulfilled") await started[0].value.run(() => {});
    expect([await threadCount(ivy), await importRows(ivy)]).toEqual([1, 0]);
  });

  it("writes big conversations in batches bounded by bytes, not only by count", async () => {
    const jan = await newUser("jan");
    const convs = Array.from({ length: 3 }, (_, i) => simpleChatGpt(`Big${i}`, "x".repeat(20_000), "a"));
    const events = await run(createImporter(store, limits, { batchBytes: 10_000 }), jan, upload(exportJson(convs)));
    expect(events.filter((e) => e.type === "progress").map((e) => e.type === "progress" && e.imported)).toEqual([
      1, 2, 3,
    ]);
    expect(await threadCount(jan)).toBe(3);
  });

  it("abandons an upload that stalls (408) and frees the person's import", async () => {
    const kim = await newUser("kim");
    const form = new Response(
      (() => {
        const f = new FormData();
        f.append("file", new Blob([exportJson([simpleChatGpt("Slow", "q", "a")])]), "c.json");
        return f;
      })(),
    );
    const whole = new Uint8Array(await form.arrayBuffer());
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(whole.subarray(0, whole.length - 30));
      },
    });
    const request = new Request("http://localhost/api/account/import", {
      method: "POST",
      body: stalled,
      headers: { "content-type": form.headers.get("content-type")! },
      duplex: "half",
    } as RequestInit);
    const importer = createImporter(store, limits, { uploadIdleMs: 50 });
    expect(await apiRefusal(importer.prepareForUser(kim, request))).toEqual({
      code: "request_timeout",
      message: expect.stringMatching(/stalled/),
    });
    expect([await threadCount(kim), await importRows(kim), importer.stats().running]).toEqual([0, 0, 0]);
    await run(importer, kim, upload(exportJson([simpleChatGpt("Again", "q", "a")])));
    expect(await threadCount(kim)).toBe(1);
  });

  it("stops a worker past its wall-clock limits: 413 while checking, undone while writing", async () => {
    const lee = await newUser("lee");
    const support = path.join(path.dirname(defaultWorkerFile()), "..", "..", "tests", "support");
    const checking = createImporter(store, limits, { maxCheckSeconds: 0.05 }, () =>
      path.join(support, "stalled-import-worker.mjs"),
    );
    expect(await apiRefusal(checking.prepareForUser(lee, upload(exportJson([simpleChatGpt("A", "q", "a")]))))).toEqual({
      code: "payload_too_large",
      message: expect.stringMatching(/takes longer/),
    });
    expect([await importRows(lee), checking.stats().running]).toEqual([0, 0]);

    const writing = createImporter(store, limits, { maxImportSeconds: 1 }, () =>
      path.join(support, "stalled-writes-import-worker.mjs"),
    );
    const events = await run(writing, lee, upload(exportJson([simpleChatGpt("B", "q", "a")])));
    // Its one batch is written (then undone) unless the limit passes first.
    expect(events[0].type).toBe("started");
    expect(events.at(-1)).toEqual({
      type: "error",
      error: { code: "payload_too_large", message: expect.stringMatching(/took too long/) },
    });
    expect([await threadCount(lee), await importRows(lee), writing.stats().running]).toEqual([0, 0, 0]);
  });

  it("runs one import per person at a time, and takes over one whose instance died", async () => {
    const frank = await newUser("frank");
    const importer = createImporter(store, limits);
    const first = await importer.prepareForUser(frank, upload(exportJson([simpleChatGpt("One", "q", "a")])));
    expect(
      await apiRefusal(importer.prepareForUser(frank, upload(exportJson([simpleChatGpt("Two", "q", "a")])))),
    ).toEqual({
      code: "conflict",
      message: expect.stringMatching(/already running/),
    });
    await first.run(() => {});
    expect(await threadCount(frank)).toBe(1);

    // An import left behind by an instance that died: its heartbeat is old, and what it wrote goes.
    const staleId = await store.beginForUser(frank);
    await store.insertBatchForUser(frank, staleId, [
      { threadId: randomUUID(), title: "Half", createdAt: 0, updatedAt: 0, lastMessageAt: null, messages: [] },
    ]);
    await handle.db.execute(
      sql`update conversation_import set heartbeat_at = now() - interval '1 hour' where id = ${staleId}`,
    );
    const events = await run(importer, frank, upload(exportJson([simpleChatGpt("Three", "q", "a")])));
    expect(events.at(-1)?.type).toBe("done");
    const { threads: listed } = await threads.listThreadsForUser(frank, { status: "regular", limit: 10 });
    expect(listed.map((t) => t.title).sort()).toEqual(["One", "Three"]);
  });
});
