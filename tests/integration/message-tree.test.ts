import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "@/db/connect";
import { message, user } from "@/db/schema";
import { lastBranch } from "@/lib/shared/chat-messages";
import { threadToMarkdown } from "@/lib/chat/export";
import { createThreadStore, InvalidParentError, type MessageInput } from "@/lib/chat/threads";
import { engines } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

const ids = ["a", "b", "c", "d", "e"];
const text = (id: string, parentId: string | null, role: "user" | "assistant" = "user"): MessageInput => ({
  id,
  parentId,
  role,
  format: "ai-sdk/v6",
  content: { role, parts: [{ type: "text", text: `message ${id}` }] },
  status: "complete",
});

/**
 * One write as a route makes it: the chat route stores with "keep", the settled-copy route with
 * "replace"; parents include the message itself, unknown ids and ids of the other thread.
 */
const write = fc.record({
  thread: fc.constantFrom(0, 1),
  id: fc.constantFrom(...ids),
  parent: fc.oneof(fc.constant(null), fc.constantFrom(...ids), fc.constantFrom("never-stored", "self")),
  mode: fc.constantFrom("keep" as const, "replace" as const),
});

describe.each(engines)("the message tree on $name", ({ open }) => {
  let handle: DatabaseHandle;
  let store: ReturnType<typeof createThreadStore>;
  let owner: string;

  beforeAll(async () => {
    handle = open();
    await handle.ready();
    store = createThreadStore(handle.db);
    owner = randomUUID().replace(/-/g, "");
    await handle.db.insert(user).values({ id: owner, name: "tree", email: uniqueEmail("tree") });
  });
  afterAll(() => handle.close());

  const storedTree = async (threadId: string) =>
    (
      JSON.parse((await store.messagesJsonForUser(owner, threadId))!) as {
        messages: { id: string; parentId: string | null }[];
      }
    ).messages;

  it("random writes through both routes, hostile parents included, never leave a loop or a parent outside the thread", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 14 }), async (writes) => {
        const threads = [await store.createThreadForUser(owner), await store.createThreadForUser(owner)];
        // The model: per thread, the order in which each id was first stored, and its parent.
        const stored = [new Map<string, number>(), new Map<string, number>()];
        const parents = [new Map<string, string | null>(), new Map<string, string | null>()];
        let clock = 0;
        for (const w of writes) {
          const parentId = w.parent === "self" ? w.id : w.parent;
          const mine = stored[w.thread];
          const sameParent = !mine.has(w.id) || parents[w.thread].get(w.id) === parentId;
          const allowed =
            sameParent &&
            (parentId === null || (mine.has(parentId) && mine.get(parentId)! < (mine.get(w.id) ?? Infinity)));
          const outcome = await store
            .saveMessageForUser(owner, threads[w.thread].id, text(w.id, parentId), w.mode)
            .then(
              () => "stored",
              (error: unknown) => (error instanceof InvalidParentError ? "refused" : Promise.reject(error)),
            );
          expect(outcome, JSON.stringify({ ...w, parentId })).toBe(allowed ? "stored" : "refused");
          if (allowed && !mine.has(w.id)) {
            mine.set(w.id, clock++);
            parents[w.thread].set(w.id, parentId);
          }
        }
        for (const t of threads) {
          const tree = await storedTree(t.id);
          const byId = new Map(tree.map((m) => [m.id, m]));
          for (const m of tree) {
            // Every parent is in the same thread, and every walk up ends at a root within n steps.
            if (m.parentId !== null) expect(byId.has(m.parentId)).toBe(true);
            let steps = 0;
            for (let at: string | null = m.id; at !== null; at = byId.get(at)!.parentId)
              expect(++steps).toBeLessThanOrEqual(tree.length);
          }
          expect(lastBranch(tree).length).toBeLessThanOrEqual(tree.length);
        }
      }),
      { numRuns: 40 },
    );
  });

  it("a parent from another thread, or one written after the message, is refused and nothing is written", async () => {
    const one = await store.createThreadForUser(owner);
    const two = await store.createThreadForUser(owner);
    await store.saveMessageForUser(owner, two.id, text("elsewhere", null), "keep");
    await expect(store.saveMessageForUser(owner, one.id, text("m", "elsewhere"), "keep")).rejects.toBeInstanceOf(
      InvalidParentError,
    );
    await store.saveMessageForUser(owner, one.id, text("first", null), "keep");
    await store.saveMessageForUser(owner, one.id, text("second", "first", "assistant"), "keep");
    // A stored message keeps its parent; A → B → A: the first message may not be moved under the one written after it.
    await expect(
      store.saveMessageForUser(owner, one.id, text("second", null, "assistant"), "replace"),
    ).rejects.toBeInstanceOf(InvalidParentError);
    await expect(store.saveMessageForUser(owner, one.id, text("first", "second"), "replace")).rejects.toBeInstanceOf(
      InvalidParentError,
    );
    await expect(store.saveMessageForUser(owner, one.id, text("loop", "loop"), "replace")).rejects.toBeInstanceOf(
      InvalidParentError,
    );
    expect((await storedTree(one.id)).map((m) => [m.id, m.parentId])).toEqual([
      ["first", null],
      ["second", "first"],
    ]);
    // Someone else's thread is still a 404 (null), never a 400 that would tell it exists.
    expect(await store.saveMessageForUser("someone-else", one.id, text("x", "never-stored"), "keep")).toBeNull();
  });

  it("a loop already in the database ends the walk instead of the server", async () => {
    const t = await store.createThreadForUser(owner);
    // Written as an older version of the app could have: a → b → a, and c naming itself.
    for (const [id, parent] of [
      ["a", "b"],
      ["b", "a"],
      ["c", "c"],
    ]) {
      await handle.db.insert(message).values({ threadId: t.id, ...text(id, parent) });
    }
    const tree = await storedTree(t.id);
    expect(lastBranch(tree).map((m) => m.id)).toEqual(["c"]);
    await handle.db.execute(sql`delete from ${message} where thread_id = ${t.id} and id = 'c'`);
    expect(lastBranch(await storedTree(t.id)).map((m) => m.id)).toEqual(["a", "b"]);
    const [exported] = await store.exportThreadsForUser(owner, t.id);
    expect(threadToMarkdown(exported).match(/message [ab]/g)).toEqual(["message a", "message b"]);
  });
});
