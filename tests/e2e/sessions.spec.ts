import { expect, test, type APIRequestContext } from "@playwright/test";
import { apiUser, chatBody, password } from "./helpers";
import { withDb } from "./db";
import { cookieHeader } from "../support/cookies";

/** One request to every API route; each must answer 401 for a dead session. */
async function everyRouteStatus(request: APIRequestContext, threadId: string): Promise<number[]> {
  const calls = [
    request.get("/api/threads"),
    request.post("/api/threads", { data: {} }),
    request.get(`/api/threads/${threadId}`),
    request.patch(`/api/threads/${threadId}`, { data: { title: "x" } }),
    request.delete(`/api/threads/${threadId}`),
    request.get(`/api/threads/${threadId}/messages`),
    request.post(`/api/threads/${threadId}/messages`, {
      data: {
        id: "m",
        parentId: null,
        format: "ai-sdk/v6",
        content: { role: "user", parts: [{ type: "text", text: "x" }] },
      },
    }),
    request.post(`/api/threads/${threadId}/title`),
    request.post("/api/chat", { data: chatBody(threadId, "dead session") }),
    request.get(`/api/threads/${threadId}/export`),
    request.get("/api/export"),
    request.get("/api/search?q=x"),
  ];
  return Promise.all(calls.map(async (c) => (await c).status()));
}

const all401 = Array(12).fill(401);

async function replay(
  playwright: { request: { newContext: (o: object) => Promise<APIRequestContext> } },
  baseURL: string,
  cookie: string,
) {
  return playwright.request.newContext({ baseURL, extraHTTPHeaders: { cookie, origin: baseURL } });
}

test("after sign-out the old cookie is dead on every route", async ({ playwright, baseURL }) => {
  const user = await apiUser(playwright, baseURL!, "SignOut");
  const thread = await (await user.request.post("/api/threads", { data: {} })).json();
  const cookie = cookieHeader(await user.request.storageState());
  expect((await user.request.post("/api/auth/sign-out", { data: {} })).status()).toBe(200);
  const replayed = await replay(playwright, baseURL!, cookie);
  expect(await everyRouteStatus(replayed, thread.id)).toEqual(all401);
});

test("revokeSession and revokeOtherSessions take effect on the next request", async ({ playwright, baseURL }) => {
  const first = await apiUser(playwright, baseURL!, "Revoked");
  const thread = await (await first.request.post("/api/threads", { data: {} })).json();
  const { user } = await (await first.request.get("/api/auth/get-session")).json();

  const signIn = async () => {
    const context = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL! } });
    expect((await context.post("/api/auth/sign-in/email", { data: { email: user.email, password } })).status()).toBe(
      200,
    );
    return context;
  };
  const second = await signIn();
  const third = await signIn();
  expect((await second.get("/api/threads")).status()).toBe(200);

  // The first device revokes the second by its token.
  // (The account page lists them on the server; /api/auth/list-sessions is not on the allow-list.)
  expect(
    (await withDb((c) => c.query(`select count(*)::int as n from session where user_id = $1`, [user.id]))).rows[0].n,
  ).toBe(3);
  const secondToken = decodeURIComponent(cookieHeader(await second.storageState()).split("=")[1]).split(".")[0];
  expect((await first.request.post("/api/auth/revoke-session", { data: { token: secondToken } })).status()).toBe(200);
  expect(await everyRouteStatus(second, thread.id)).toEqual(all401);
  expect((await third.get("/api/threads")).status()).toBe(200);

  // The third device signs out everything else.
  expect((await third.post("/api/auth/revoke-other-sessions", { data: {} })).status()).toBe(200);
  expect(await everyRouteStatus(first.request, thread.id)).toEqual(all401);
  expect((await third.get(`/api/threads/${thread.id}`)).status()).toBe(200);
});

test("an expired session row and forged or tampered cookies get 401", async ({ playwright, baseURL }) => {
  const user = await apiUser(playwright, baseURL!, "Expired");
  const thread = await (await user.request.post("/api/threads", { data: {} })).json();
  const cookie = cookieHeader(await user.request.storageState());
  const [name, value] = cookie.split("=");
  const [token, signature] = decodeURIComponent(value).split(".");

  const forged = [
    `${name}=${encodeURIComponent(`${token}.${signature.slice(0, -4)}AAAA`)}`, // tampered signature
    `${name}=${encodeURIComponent(`${token.slice(0, -1)}x.${signature}`)}`, // tampered token
    `${name}=${token}`, // unsigned
    `${name}=${encodeURIComponent("a".repeat(32) + "." + signature)}`, // someone else's token guess
    `${name}=`,
  ];
  for (const bad of forged) {
    expect(await everyRouteStatus(await replay(playwright, baseURL!, bad), thread.id), bad).toEqual(all401);
  }

  // A change made by hand in SQL reaches the app's session cache through the table's trigger and
  // LISTEN/NOTIFY, which takes a moment (the README's session cache section): within 100 ms.
  await withDb((db) => db.query(`update session set expires_at = now() - interval '1 day' where token = $1`, [token]));
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(await everyRouteStatus(user.request, thread.id)).toEqual(all401);
});

test("a session due for refresh is extended, and its new cookie reaches the browser once, from get-session and from an API route", async ({
  playwright,
  baseURL,
}) => {
  for (const path of ["/api/auth/get-session", "/api/threads"]) {
    const user = await apiUser(playwright, baseURL!, "Refreshed");
    const token = decodeURIComponent(cookieHeader(await user.request.storageState()).split("=")[1]).split(".")[0];
    // better-auth extends a session once a day (updateAge) by pushing its expiry out to 7 days.
    await withDb((db) =>
      db.query(`update session set expires_at = now() + interval '1 hour' where token = $1`, [token]),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const response = await user.request.get(path);
    expect(response.status(), path).toBe(200);
    const cookies = response
      .headersArray()
      .filter((h) => h.name.toLowerCase() === "set-cookie" && h.value.includes("session_token="));
    expect(cookies, path).toHaveLength(1);
    expect(cookies[0]!.value, path).toContain("Max-Age=604800");
    const expiresAt = await withDb(
      async (db) =>
        (await db.query(`select expires_at from session where token = $1`, [token])).rows[0].expires_at as Date,
    );
    expect(expiresAt.getTime() - Date.now(), path).toBeGreaterThan(6 * 24 * 3600 * 1000);
  }
});
