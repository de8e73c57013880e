import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createAuth } from "@/auth";
import type { DatabaseHandle } from "@/db/connect";
import { createSessionCache } from "@/lib/auth/session-cache";
import { cookieHeader } from "../support/cookies";
import { engines, testEnv } from "../support/databases";
import { uniqueEmail } from "../support/unique-email";

// Two app instances on one PostgreSQL, each with its own session cache and LISTEN connection:
// what one changes (or anyone changes in SQL) the other stops serving from memory.
const postgres = engines.find((e) => e.name === "postgres")!;
let a: { handle: DatabaseHandle; auth: ReturnType<typeof createAuth> };
let b: typeof a;

const instance = async () => {
  const handle = postgres.open();
  await handle.ready();
  return { handle, auth: createAuth(handle.db, testEnv(), { sessionCache: createSessionCache(() => handle.listen) }) };
};

/** Signs a new user up on A: its cookie, id and the password. */
async function signedUp() {
  const email = uniqueEmail("cached");
  const { headers, response } = await a.auth.api.signUpEmail({
    body: { name: "Cached", email, password: "correct horse" },
    returnHeaders: true,
  });
  return { email, userId: response.user.id, headers: new Headers({ cookie: cookieHeader(headers) }) };
}

/** Reads the session on B until it is cached there (the cache serves only once it listens). */
async function warm(headers: Headers) {
  for (let i = 0; i < 20; i++) {
    expect(await b.auth.api.getSession({ headers })).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const within100ms = () => new Promise((resolve) => setTimeout(resolve, 100));

beforeAll(async () => {
  a = await instance();
  b = await instance();
});
afterAll(async () => {
  await a.handle.close();
  await b.handle.close();
});

it("sign-out on one instance: refused there at once, and on the other within 100 ms", async () => {
  const user = await signedUp();
  await warm(user.headers);
  await a.auth.api.signOut({ headers: user.headers });
  expect(await a.auth.api.getSession({ headers: user.headers })).toBeNull();
  await within100ms();
  expect(await b.auth.api.getSession({ headers: user.headers })).toBeNull();
});

it("a password change that signs out other devices, and an account deletion, reach the other instance", async () => {
  const user = await signedUp();
  const other = await a.auth.api.signInEmail({
    body: { email: user.email, password: "correct horse" },
    returnHeaders: true,
  });
  const otherDevice = new Headers({ cookie: cookieHeader(other) });
  await warm(otherDevice);
  await a.auth.api.changePassword({
    body: { currentPassword: "correct horse", newPassword: "battery staple", revokeOtherSessions: true },
    headers: user.headers,
  });
  expect(await a.auth.api.getSession({ headers: otherDevice })).toBeNull();
  await within100ms();
  expect(await b.auth.api.getSession({ headers: otherDevice })).toBeNull();

  // changePassword gave this device a fresh session; warm it on B, then delete the account on A.
  const fresh = await a.auth.api.signInEmail({
    body: { email: user.email, password: "battery staple" },
    returnHeaders: true,
  });
  const device = new Headers({ cookie: cookieHeader(fresh) });
  await warm(device);
  await a.auth.api.deleteUser({ body: { password: "battery staple" }, headers: device });
  await within100ms();
  expect(await b.auth.api.getSession({ headers: device })).toBeNull();
});

it("a change made by hand in SQL (a ban, an expiry) reaches both instances' caches", async () => {
  const user = await signedUp();
  await warm(user.headers);
  expect((await b.auth.api.getSession({ headers: user.headers }))?.user).toMatchObject({ banned: false });
  await a.handle.db.execute(sql`update "user" set banned = true, ban_reason = 'by hand' where id = ${user.userId}`);
  await within100ms();
  expect((await b.auth.api.getSession({ headers: user.headers }))?.user).toMatchObject({
    banned: true,
    banReason: "by hand",
  });

  await a.handle.db.execute(
    sql`update "session" set expires_at = now() - interval '1 minute' where user_id = ${user.userId}`,
  );
  await within100ms();
  expect(await b.auth.api.getSession({ headers: user.headers })).toBeNull();
});
