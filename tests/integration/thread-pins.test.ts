import { randomBytes, randomUUID } from "node:crypto";
import { and, eq, isNotNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "@/db/connect";
import { thread, user, workspace, workspaceMember } from "@/db/schema";
import { createThreadStore, threadJson } from "@/lib/chat/threads";
import { apiRefusal } from "../support/api-refusal";
import { engines } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

/** Pins: the author's alone, capped per person and space, dropped by archiving, never moving a thread's activity. */
describe.each(engines)("thread pins on $name", ({ open }) => {
  const cap = 3;
  let handle: DatabaseHandle;
  let store: ReturnType<typeof createThreadStore>;

  const newUser = async (name: string) => {
    const id = randomUUID().replace(/-/g, "");
    await handle.db.insert(user).values({ id, name, email: uniqueEmail(name) });
    return id;
  };
  const newWorkspace = async (members: string[]) => {
    const id = randomBytes(16).toString("hex");
    await handle.db.insert(workspace).values({ id, name: "Team", slug: `team-${id.slice(0, 12)}` });
    for (const userId of members)
      await handle.db
        .insert(workspaceMember)
        .values({ id: randomBytes(16).toString("hex"), organizationId: id, userId, role: "member" });
    return id;
  };
  const pinnedRows = async (userId: string) =>
    (
      await handle.db
        .select({ n: sql<number>`count(*)::int` })
        .from(thread)
        .where(and(eq(thread.userId, userId), isNotNull(thread.pinnedAt)))
    )[0].n;

  beforeAll(async () => {
    handle = open();
    await handle.ready();
    store = createThreadStore(handle.db, undefined, undefined, cap);
  });
  afterAll(() => handle.close());

  it("pins and unpins only the author's thread, keeping its activity time; others get null and change nothing", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const t = await store.createThreadForUser(alice, { title: "Plans" });
    expect(t.pinnedAt).toBeNull();

    expect(await store.updateThreadForUser(bob, t.id, { pinned: true })).toBeNull();
    expect(await store.getOwnThreadForUser(alice, t.id)).toMatchObject({ pinnedAt: null, updatedAt: t.updatedAt });

    const pinned = await store.updateThreadForUser(alice, t.id, { pinned: true });
    expect(pinned?.pinnedAt).toBeInstanceOf(Date);
    // A pin is not activity: the thread keeps its place by activity for when it is unpinned.
    expect(pinned?.updatedAt).toEqual(t.updatedAt);
    expect(threadJson(pinned!).pinnedAt).toBe(pinned!.pinnedAt!.toISOString());
    // Pinned again: the first pin's time stays.
    expect((await store.updateThreadForUser(alice, t.id, { pinned: true }))?.pinnedAt).toEqual(pinned?.pinnedAt);

    expect(await store.updateThreadForUser(bob, t.id, { pinned: false })).toBeNull();
    expect((await store.getOwnThreadForUser(alice, t.id))?.pinnedAt).toEqual(pinned?.pinnedAt);
    expect(await store.listPinnedThreadsForUser(bob, { limit: 100 })).toEqual([]);
    expect((await store.listPinnedThreadsForUser(alice, { limit: 100 })).map((r) => r.id)).toEqual([t.id]);

    // A rename with a pin in one request: the rename moves it up the list, the pin is kept.
    const renamed = await store.updateThreadForUser(alice, t.id, { title: "Trip", pinned: true });
    expect(renamed).toMatchObject({ title: "Trip", pinnedAt: pinned?.pinnedAt });
    expect(renamed!.updatedAt.getTime()).toBeGreaterThanOrEqual(t.updatedAt.getTime());

    const unpinned = await store.updateThreadForUser(alice, t.id, { pinned: false });
    expect(unpinned).toMatchObject({ pinnedAt: null, updatedAt: renamed!.updatedAt });
    expect(await store.listPinnedThreadsForUser(alice, { limit: 100 })).toEqual([]);
  });

  it("lists the pinned threads of one space, the newest pin first, within the limit", async () => {
    const alice = await newUser("alice");
    const space = await newWorkspace([alice]);
    const [a, b, c] = [
      await store.createThreadForUser(alice, { title: "a" }),
      await store.createThreadForUser(alice, { title: "b" }),
      await store.createThreadForUser(alice, { title: "c" }),
    ];
    const w = await store.createThreadForUser(alice, { title: "w", workspaceId: space });
    for (const id of [b.id, a.id, w.id, c.id]) {
      await store.updateThreadForUser(alice, id, { pinned: true });
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect((await store.listPinnedThreadsForUser(alice, { limit: 100 })).map((r) => r.title)).toEqual(["c", "a", "b"]);
    expect((await store.listPinnedThreadsForUser(alice, { limit: 2 })).map((r) => r.title)).toEqual(["c", "a"]);
    expect((await store.listPinnedThreadsForUser(alice, { limit: 100, workspaceId: space })).map((r) => r.id)).toEqual([
      w.id,
    ]);
    // Not a member: nothing, as for a space that does not exist.
    const carol = await newUser("carol");
    expect(await store.listPinnedThreadsForUser(carol, { limit: 100, workspaceId: space })).toEqual([]);
  });

  it("refuses a pin past the limit of one space with a 409, and counts each space on its own", async () => {
    const alice = await newUser("alice");
    const space = await newWorkspace([alice]);
    const threads = [];
    for (let i = 0; i <= cap; i++) threads.push(await store.createThreadForUser(alice, { title: `t${i}` }));
    for (const t of threads.slice(0, cap)) await store.updateThreadForUser(alice, t.id, { pinned: true });

    const over = await apiRefusal(store.updateThreadForUser(alice, threads[cap].id, { pinned: true }));
    expect(over).toEqual({ code: "conflict", message: expect.stringContaining("Unpin a thread first") });
    expect((await store.getOwnThreadForUser(alice, threads[cap].id))?.pinnedAt).toBeNull();
    // At the limit, a thread already pinned may be pinned again, and other changes go through.
    expect(await store.updateThreadForUser(alice, threads[0].id, { pinned: true })).not.toBeNull();
    expect(await store.updateThreadForUser(alice, threads[cap].id, { title: "renamed" })).toMatchObject({
      title: "renamed",
      pinnedAt: null,
    });

    // Another space has its own count.
    const w = await store.createThreadForUser(alice, { title: "w", workspaceId: space });
    expect((await store.updateThreadForUser(alice, w.id, { pinned: true }))?.pinnedAt).toBeInstanceOf(Date);

    await store.updateThreadForUser(alice, threads[0].id, { pinned: false });
    expect((await store.updateThreadForUser(alice, threads[cap].id, { pinned: true }))?.pinnedAt).toBeInstanceOf(Date);
    expect(await pinnedRows(alice)).toBe(cap + 1);
  });

  it("lets pins sent at the same moment pass the limit no more than one at a time", async () => {
    const alice = await newUser("alice");
    const threads = [];
    for (let i = 0; i < cap + 3; i++) threads.push(await store.createThreadForUser(alice, { title: `r${i}` }));
    const results = await Promise.allSettled(
      threads.map((t) => store.updateThreadForUser(alice, t.id, { pinned: true })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(cap);
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(3);
    expect(await pinnedRows(alice)).toBe(cap);
  });

  it("unpins a thread when it is archived, and pins an archived thread only with its restoring", async () => {
    const alice = await newUser("alice");
    const t = await store.createThreadForUser(alice, { title: "Old" });
    await store.updateThreadForUser(alice, t.id, { pinned: true });

    const archived = await store.updateThreadForUser(alice, t.id, { status: "archived" });
    expect(archived).toMatchObject({ status: "archived", pinnedAt: null });
    expect(await store.listPinnedThreadsForUser(alice, { limit: 100 })).toEqual([]);

    const refused = await apiRefusal(store.updateThreadForUser(alice, t.id, { pinned: true }));
    expect(refused).toEqual({ code: "conflict", message: expect.stringContaining("unarchive it first") });
    expect(await store.getOwnThreadForUser(alice, t.id)).toMatchObject({ status: "archived", pinnedAt: null });

    // Archived and pinned in one request: archiving wins.
    expect(await store.updateThreadForUser(alice, t.id, { status: "archived", pinned: true })).toMatchObject({
      status: "archived",
      pinnedAt: null,
    });
    expect(await store.updateThreadForUser(alice, t.id, { status: "regular", pinned: true })).toMatchObject({
      status: "regular",
      pinnedAt: expect.any(Date),
    });
    // Someone else's archived thread: null, as for any thread that is not theirs (no 409 telling it exists).
    const bob = await newUser("bob");
    expect(await store.updateThreadForUser(bob, t.id, { pinned: true })).toBeNull();
  });

  it("never shows the author's pin to a member reading the shared thread", async () => {
    const alice = await newUser("alice");
    const bob = await newUser("bob");
    const space = await newWorkspace([alice, bob]);
    const t = await store.createThreadForUser(alice, { title: "Shared", workspaceId: space });
    await store.updateThreadForUser(alice, t.id, { pinned: true });
    await store.setSharedForUser(alice, t.id, true);

    const seen = await store.getThreadForUser(bob, t.id);
    expect(seen).toMatchObject({ own: false });
    expect(threadJson(seen!).pinnedAt).toBeNull();
    expect(threadJson((await store.getThreadForUser(alice, t.id))!).pinnedAt).toEqual(expect.any(String));
    // The reader may not pin it (theirs to read, not to arrange): null, and the author's pin stays.
    expect(await store.updateThreadForUser(bob, t.id, { pinned: false })).toBeNull();
    expect((await store.getOwnThreadForUser(alice, t.id))?.pinnedAt).toBeInstanceOf(Date);
  });
});
