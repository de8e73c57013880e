import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "@/auth";
import type { DatabaseHandle } from "@/db/connect";
import { chatUsage, user } from "@/db/schema";
import { ApiError } from "@/lib/http/errors";
import { createChatRateLimiter } from "@/lib/chat/rate-limit";
import { CLIENT_ADDRESS_HEADER } from "@/lib/http/client-address";
import { postToAuth } from "../support/auth-requests";
import { engines, testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

describe.each(engines)("rate limits on $name", ({ open }) => {
  let handle: DatabaseHandle;
  beforeAll(async () => {
    handle = open();
    await handle.ready();
  });
  afterAll(() => handle.close());

  it("chat: the message past the per-minute limit is refused with Retry-After, per user", async () => {
    const [alice, bob] = [randomUUID(), randomUUID()];
    await handle.db.insert(user).values([
      { id: alice, name: "a", email: uniqueEmail("a") },
      { id: bob, name: "b", email: uniqueEmail("b") },
    ]);
    const consume = createChatRateLimiter(handle.db, { perMinute: 3, perDay: 100 });
    // At once, as several app instances would: the single upsert still counts each one.
    await Promise.all([consume(alice), consume(alice), consume(alice)]);
    const refused = await consume(alice).then(
      () => null,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: "rate_limited", status: 429 });
    const retryAfter = Number((refused as ApiError).headers["Retry-After"]);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    await expect(consume(bob)).resolves.toBeUndefined();
  });

  it("chat: the day limit holds across minutes, and a new window starts from zero", async () => {
    const id = randomUUID();
    await handle.db.insert(user).values({ id, name: "c", email: uniqueEmail("c") });
    const consume = createChatRateLimiter(handle.db, { perMinute: 100, perDay: 2 });
    await consume(id);
    // Move this user's minute window into the past, as if a minute had gone by.
    await handle.db.execute(
      sql`update ${chatUsage} set window_start = window_start - interval '1 minute' where user_id = ${id} and "window" = 'minute'`,
    );
    await consume(id);
    await expect(consume(id)).rejects.toMatchObject({ code: "rate_limited", message: /per day/ });
    await handle.db.execute(
      sql`update ${chatUsage} set window_start = window_start - interval '1 day' where user_id = ${id}`,
    );
    await expect(consume(id)).resolves.toBeUndefined();
  });

  // The address comes from lib/http/client-address.ts (tested with a real server in tests/e2e/auth-limits.spec.ts).
  it("auth: hammering sign-in with wrong passwords from one address gets 429, counted in the database", async () => {
    const auth = createAuth(handle.db, testEnv({ AUTH_RATE_LIMIT_MAX: "3" }));
    const email = uniqueEmail("hammer");
    await auth.api.signUpEmail({ body: { name: "H", email, password: "correct horse" } });
    const ip = `203.0.113.${Math.floor(Math.random() * 250)}`;
    const attempt = () =>
      postToAuth(auth, "/sign-in/email", { email, password: "wrong password" }, { [CLIENT_ADDRESS_HEADER]: ip });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt()).status);
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(3)).toEqual([429, 429]);
    const rows = await handle.db.execute(
      sql`select count(*)::int as n from rate_limit where key like ${"%" + ip + "%"}`,
    );
    expect((rows as unknown as { rows: { n: number }[] }).rows[0].n).toBeGreaterThan(0);
  });
});
