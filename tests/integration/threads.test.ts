import { randomUUID } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "@/db/connect";
import { message, thread, user } from "@/db/schema";
import { createThreadStore, decodeCursor, encodeCursor, type MessageInput } from "@/lib/chat/threads";
import { openingWindow } from "@/lib/shared/chat-messages";
import { engines } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

const text = (id: string, role: "user" | "assistant", body: string, parentId: string | null): MessageInput => ({
  id,
  parentId,
  role,
  format: "ai-sdk/v6",
  content: { role, parts: [{ type: "text", text: body }] },
  status: "complete",
});

describe.each(engines)("thread data layer on $name", ({ open }) => {
  let handle: DatabaseHandle;
  let store: ReturnType<typeof createThreadStore>;
  let alice: string;
  let bob: string;

  const newUser = async (name: string) => {
    const id = randomUUID().replace(/-/g, "");
    await handle.db.insert(user).values({ id, name, email: uniqueEmail(name) });
    return id;
  };
  const listMessages = async (userId: string, threadId: string) => {
    const body = await store.messagesJsonForUser(userId, threadId);
    return body === null
      ? null
      : (JSON.parse(body).messages as { id: string; parentId: string | null; content: unknown }[]);
  };
  const countMessages = async () => (await handle.db.select({ n: sql<number>`count(*)::int` }).from(message))[0].n;

  beforeAll(async () => {
    handle = open();
    await handle.ready();
    store = createThreadStore(handle.db);
    alice = await newUser("alice");
    bob = await newUser("bob");
  });
  afterAll(() => handle.close());

  it("creates, reads, renames, archives and deletes only the owner's threads", async () => {
    const created = await store.createThreadForUser(alice, { title: "Alice's plans" });
    expect(created).toMatchObject({ title: "Alice's plans", status: "regular", lastMessageAt: null });

    expect(await store.getThreadForUser(alice, created.id)).toMatchObject({ id: created.id });
    expect(await store.getThreadForUser(bob, created.id)).toBeNull();
    expect(await store.updateThreadForUser(bob, created.id, { title: "pwned" })).toBeNull();
    expect(await store.deleteThreadForUser(bob, created.id)).toBe(false);
    expect((await store.getThreadForUser(alice, created.id))?.title).toBe("Alice's plans");

    const renamed = await store.updateThreadForUser(alice, created.id, { title: "Trip", status: "archived" });
    expect(renamed).toMatchObject({ title: "Trip", status: "archived" });
    expect(renamed!.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());

    expect(await store.deleteThreadForUser(alice, created.id)).toBe(true);
    expect(await store.getThreadForUser(alice, created.id)).toBeNull();
    expect(await store.deleteThreadForUser(alice, created.id)).toBe(false);
  });

  it("pages through a user's threads newest first, without gaps or repeats, never showing another user's", async () => {
    const owner = await newUser("pager");
    const other = await newUser("other");
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push((await store.createThreadForUser(owner, { title: `t${i}` })).id);
    await store.createThreadForUser(other, { title: "not yours" });
    const archived = await store.createThreadForUser(owner, { title: "old" });
    await store.updateThreadForUser(owner, archived.id, { status: "archived" });

    const seen: { id: string; updatedAt: Date }[] = [];
    let after: ReturnType<typeof decodeCursor>;
    let pages = 0;
    do {
      const page = await store.listThreadsForUser(owner, { status: "regular", limit: 10, after });
      seen.push(...page.threads);
      after = page.nextCursor ? decodeCursor(page.nextCursor) : undefined;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen.map((t) => t.id).sort()).toEqual([...ids].sort());
    // Strictly descending by (updated_at, id): the order the cursor relies on, ties included.
    for (let i = 1; i < seen.length; i++) {
      const [a, b] = [seen[i - 1], seen[i]];
      expect(a.updatedAt > b.updatedAt || (a.updatedAt.getTime() === b.updatedAt.getTime() && a.id > b.id)).toBe(true);
    }
    // The thread touched last comes first.
    await store.updateThreadForUser(owner, ids[0], { title: "touched" });
    expect((await store.listThreadsForUser(owner, { status: "regular", limit: 1 })).threads[0].id).toBe(ids[0]);

    const archivedPage = await store.listThreadsForUser(owner, { status: "archived", limit: 10 });
    expect(archivedPage).toEqual({ threads: [expect.objectContaining({ id: archived.id })], nextCursor: null });
    expect(
      (await store.listThreadsForUser(bob, { status: "regular", limit: 50 })).threads.map((t) => t.title),
    ).not.toContain("not yours");
  });

  it("cursors round-trip and reject anything else", () => {
    const cursor = { updatedAt: new Date("2026-01-02T03:04:05.678Z"), id: randomUUID() };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    for (const bad of [
      "",
      "x",
      "W10",
      Buffer.from('["not a date","x"]').toString("base64url"),
      Buffer.from("{}").toString("base64url"),
    ]) {
      expect(decodeCursor(bad)).toBeUndefined();
    }
  });

  it("stores messages in order and lets the owner, and only the owner, read and write them", async () => {
    const t = await store.createThreadForUser(alice);
    expect(await listMessages(alice, t.id)).toEqual([]);

    expect(await store.saveMessageForUser(alice, t.id, text("u1", "user", "hello", null), "keep")).not.toBeNull();
    expect(
      await store.saveMessageForUser(alice, t.id, text("a1", "assistant", "hi there", "u1"), "keep"),
    ).not.toBeNull();
    expect(
      await store.saveMessageForUser(alice, t.id, text("a2", "assistant", "a sibling", "u1"), "keep"),
    ).not.toBeNull();

    const before = await countMessages();
    expect(await store.saveMessageForUser(bob, t.id, text("x", "user", "intruder", null), "replace")).toBeNull();
    expect(
      await store.saveMessageForUser(bob, t.id, text("a1", "assistant", "overwritten", "u1"), "replace"),
    ).toBeNull();
    expect(await countMessages()).toBe(before);
    expect(await listMessages(bob, t.id)).toBeNull();

    const stored = await listMessages(alice, t.id);
    expect(stored?.map((m) => [m.id, m.parentId])).toEqual([
      ["u1", null],
      ["a1", "u1"],
      ["a2", "u1"],
    ]);
    expect(await store.titleSourceForUser(alice, t.id)).toEqual({ title: null, firstText: "hello" });
    expect(await store.titleSourceForUser(bob, t.id)).toBeNull();
    const thread1 = await store.getThreadForUser(alice, t.id);
    expect(thread1?.lastMessageAt).toBeInstanceOf(Date);
  });

  it("reads messages back exactly as stored, whatever their text, with every field of the API shape", async () => {
    const t = await store.createThreadForUser(alice);
    const tricky = 'quotes " and \\ backslash, a newline\n, </script>, emoji 🧵, \u2028 and "json": {"a": [1]}';
    const id = 'id with "quotes" and ü';
    expect(await store.saveMessageForUser(alice, t.id, text(id, "user", tricky, null), "keep")).not.toBeNull();
    const body = await store.messagesJsonForUser(alice, t.id);
    const [m] = JSON.parse(body!).messages;
    expect(m).toEqual({
      id,
      parentId: null,
      format: "ai-sdk/v6",
      content: { role: "user", parts: [{ type: "text", text: tricky }] },
      status: "complete",
      createdAt: expect.any(String),
    });
    expect(Math.abs(Date.parse(m.createdAt) - Date.now())).toBeLessThan(60_000);
  });

  it("hands a thread's page only the newest part of a long thread, with where it starts in the stored one", async () => {
    const long = await store.createThreadForUser(alice);
    for (let i = 1; i <= openingWindow + 30; i++)
      await store.saveMessageForUser(
        alice,
        long.id,
        text(`L${i}`, i % 2 ? "user" : "assistant", `long ${i}`, i === 1 ? null : `L${i - 1}`),
        "keep",
      );
    const opening = JSON.parse((await store.openingMessagesJsonForUser(alice, long.id))!);
    expect(opening.messages.map((m: { id: string }) => m.id)).toEqual(
      Array.from({ length: openingWindow }, (_, i) => `L${31 + i}`),
    );
    expect(opening).toMatchObject({ rootId: "L31", rootParentId: "L30", hidden: 30 });
    // The same rows as the messages API's, to the byte.
    const whole = JSON.parse((await store.messagesJsonForUser(alice, long.id))!);
    expect(opening.messages).toEqual(whole.messages.slice(30));

    const short = await store.createThreadForUser(alice);
    await store.saveMessageForUser(alice, short.id, text("S1", "user", "short", null), "keep");
    expect(await store.openingMessagesJsonForUser(alice, short.id)).toBe(
      await store.messagesJsonForUser(alice, short.id),
    );
    // Nothing of it for anyone else.
    expect(await store.openingMessagesJsonForUser(bob, long.id)).toBeNull();
  });

  it("keeps the first copy on 'keep' and takes the new one on 'replace'", async () => {
    const t = await store.createThreadForUser(alice);
    await store.saveMessageForUser(alice, t.id, text("a", "assistant", "partial", null), "replace");
    await store.saveMessageForUser(alice, t.id, text("a", "assistant", "full reply", null), "keep");
    expect((await listMessages(alice, t.id))?.[0].content).toMatchObject({ parts: [{ text: "partial" }] });
    await store.saveMessageForUser(alice, t.id, text("a", "assistant", "edited", null), "replace");
    expect((await listMessages(alice, t.id))?.[0].content).toMatchObject({ parts: [{ text: "edited" }] });
  });

  it("message ids are per thread: the same id in another user's thread is a different row", async () => {
    const mine = await store.createThreadForUser(alice);
    const theirs = await store.createThreadForUser(bob);
    await store.saveMessageForUser(alice, mine.id, text("same", "user", "alice's", null), "keep");
    await store.saveMessageForUser(bob, theirs.id, text("same", "user", "bob's", null), "replace");
    expect((await listMessages(alice, mine.id))?.[0].content).toMatchObject({ parts: [{ text: "alice's" }] });
  });

  it("deleting a thread deletes its messages, and deleting a user deletes their threads", async () => {
    const owner = await newUser("leaver");
    const t = await store.createThreadForUser(owner);
    await store.saveMessageForUser(owner, t.id, text("m", "user", "bye", null), "keep");
    const kept = await store.createThreadForUser(alice, { title: "stays" });
    await handle.db.delete(user).where(eq(user.id, owner));
    expect(await handle.db.select().from(thread).where(eq(thread.userId, owner))).toEqual([]);
    expect(await handle.db.select().from(message).where(eq(message.threadId, t.id))).toEqual([]);
    expect(await store.getThreadForUser(alice, kept.id)).not.toBeNull();
  });
});

describe.each(engines)("thread search on $name", ({ open }) => {
  let handle: DatabaseHandle;
  let store: ReturnType<typeof createThreadStore>;
  beforeAll(async () => {
    handle = open();
    await handle.ready();
    store = createThreadStore(handle.db);
  });
  afterAll(() => handle.close());

  it("finds the caller's threads by title and message text, with marked snippets, and nobody else's", async () => {
    const [me, other] = [randomUUID(), randomUUID()];
    await handle.db.insert(user).values([
      { id: me, name: "me", email: uniqueEmail("search-me") },
      { id: other, name: "other", email: uniqueEmail("search-other") },
    ]);
    const garden = await store.createThreadForUser(me, { title: "Garden planning" });
    const recipes = await store.createThreadForUser(me, { title: "Recipes" });
    await store.saveMessageForUser(
      me,
      recipes.id,
      text("r1", "user", "How long do I bake sourdough bread?", null),
      "keep",
    );
    await store.saveMessageForUser(
      me,
      recipes.id,
      text("r2", "assistant", "Bake the sourdough for 40 minutes at 230 °C.", "r1"),
      "keep",
    );
    const theirs = await store.createThreadForUser(other, { title: "Sourdough secrets" });
    await store.saveMessageForUser(other, theirs.id, text("o1", "user", "my sourdough garden", null), "keep");

    const bySnippet = await store.searchThreadsForUser(me, "sourd");
    expect(bySnippet.map((r) => r.id)).toEqual([recipes.id]);
    expect(bySnippet[0].snippet).toContain("\u0001sourdough\u0002");
    expect(bySnippet[0].snippet).toContain("40 minutes"); // the newest matching message
    expect(bySnippet[0].messageId).toBe("r2"); // which the thread opens at

    const byTitle = await store.searchThreadsForUser(me, "gard PLAN");
    expect(byTitle.map((r) => r.id)).toEqual([garden.id]);
    expect(byTitle[0].messageId).toBeNull();
    expect(await store.searchThreadsForUser(me, "'; drop table thread; --")).toEqual([]);
    expect(await store.searchThreadsForUser(me, "  !!! ")).toEqual([]);
    expect((await store.searchThreadsForUser(other, "garden")).map((r) => r.id)).toEqual([theirs.id]);
  });
});
