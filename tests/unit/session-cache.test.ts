import type { DBAdapter } from "better-auth";
import { describe, expect, it, vi } from "vitest";
import { createSessionCache, SESSION_CHANGES_CHANNEL, withSessionCache } from "@/lib/auth/session-cache";

/** A LISTEN connection the test drives: notices and connection changes on demand. */
function fakeListener() {
  let notify: (payload: string) => void = () => {};
  let connection: (up: boolean) => void = () => {};
  const listen = vi.fn(async (channel: string, onPayload: (p: string) => void, onConnection: (up: boolean) => void) => {
    expect(channel).toBe(SESSION_CHANGES_CHANNEL);
    notify = onPayload;
    connection = onConnection;
    // Connected a moment later, as a real LISTEN connection is.
    await new Promise((resolve) => setTimeout(resolve, 0));
    onConnection(true);
  });
  return { listen, notify: (p: string) => notify(p), connection: (up: boolean) => connection(up) };
}

const lookup = (token: string) => ({
  model: "session",
  where: [{ field: "token", value: token }],
  join: { user: true as const },
});
const row = (token: string, userId: string) => ({
  id: `s-${token}`,
  token,
  userId,
  user: { id: userId, banned: false },
});

/** An adapter whose session lookups are counted, with the cache in front. */
function setup(options: { ttlMs?: number; now?: () => number } = {}) {
  const listener = fakeListener();
  const rows = new Map<string, ReturnType<typeof row>>();
  const reads = vi.fn();
  const base = {
    findOne: async (query: ReturnType<typeof lookup>) => {
      reads(query.where[0].value);
      const found = rows.get(query.where[0].value as string);
      return found ? structuredClone(found) : null;
    },
    update: async () => null,
    delete: async ({ where }: { where: { value: string }[] }) => void rows.delete(where[0].value),
    create: async () => ({}),
  } as unknown as DBAdapter;
  const cache = createSessionCache(() => listener.listen, options);
  return { listener, rows, reads, cache, adapter: withSessionCache(base, cache) };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("the session cache", () => {
  it("serves a session from memory once listening, and never before", async () => {
    const { rows, reads, adapter } = setup();
    rows.set("t1", row("t1", "u1"));
    expect(await adapter.findOne(lookup("t1"))).toMatchObject({ token: "t1" });
    await settle(); // now listening
    await adapter.findOne(lookup("t1"));
    await adapter.findOne(lookup("t1"));
    await adapter.findOne(lookup("t1"));
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it("a write to a session or user through better-auth forgets every cached session at once", async () => {
    const { rows, reads, adapter } = setup();
    rows.set("t1", row("t1", "u1"));
    await adapter.findOne(lookup("t1"));
    await settle();
    await adapter.findOne(lookup("t1"));
    await adapter.delete({ model: "session", where: [{ field: "token", value: "t1" }] });
    expect(await adapter.findOne(lookup("t1"))).toBeNull();
    await adapter.create({ model: "verification", data: {} });
    expect(reads).toHaveBeenCalledTimes(3);
  });

  it("a notice about a user drops that user's sessions only; a lost connection turns the cache off until it is back", async () => {
    const { rows, reads, adapter, listener } = setup();
    rows.set("a", row("a", "u1"));
    rows.set("b", row("b", "u2"));
    await adapter.findOne(lookup("a"));
    await settle();
    for (const token of ["a", "b", "a", "b"]) await adapter.findOne(lookup(token));
    expect(reads.mock.calls.map((c) => c[0])).toEqual(["a", "a", "b"]);

    // Another instance banned u1: its row changed, the trigger said so.
    rows.set("a", { ...row("a", "u1"), user: { id: "u1", banned: true } });
    listener.notify("u1");
    expect(await adapter.findOne(lookup("a"))).toMatchObject({ user: { banned: true } });
    await adapter.findOne(lookup("b"));
    expect(reads.mock.calls.map((c) => c[0])).toEqual(["a", "a", "b", "a"]);

    listener.connection(false);
    await adapter.findOne(lookup("a"));
    await adapter.findOne(lookup("a"));
    expect(reads).toHaveBeenCalledTimes(6);
    listener.connection(true);
    await adapter.findOne(lookup("b"));
    expect(reads).toHaveBeenCalledTimes(7);
  });

  it("a lookup that raced a change is not kept", async () => {
    const { rows, adapter, cache, reads } = setup();
    rows.set("t", row("t", "u1"));
    await adapter.findOne(lookup("t"));
    await settle();
    const stamp = cache.begin();
    cache.forgetUser("u1"); // announced while the lookup was in flight
    cache.put("t", row("t", "u1"), stamp);
    expect(cache.size()).toBe(0);
    await adapter.findOne(lookup("t"));
    expect(reads).toHaveBeenCalledTimes(2);
  });

  it("an entry lives ttlMs at most", async () => {
    let clock = 0;
    const { rows, reads, adapter } = setup({ ttlMs: 1000, now: () => clock });
    rows.set("t", row("t", "u1"));
    await adapter.findOne(lookup("t"));
    await settle();
    await adapter.findOne(lookup("t"));
    clock = 999;
    await adapter.findOne(lookup("t"));
    clock = 1001;
    await adapter.findOne(lookup("t"));
    expect(reads).toHaveBeenCalledTimes(3);
  });

  it("other lookups pass through untouched", async () => {
    const { reads, adapter } = setup();
    await settle();
    await adapter.findOne({ model: "session", where: [{ field: "userId", value: "u1" }] });
    await adapter.findOne({ model: "session", where: [{ field: "token", value: "x" }] });
    await adapter.findOne({ model: "user", where: [{ field: "id", value: "x" }] });
    expect(reads).toHaveBeenCalledTimes(3);
  });
});
