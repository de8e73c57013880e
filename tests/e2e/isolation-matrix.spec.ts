import { readdirSync } from "node:fs";
import path from "node:path";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { apiUser, chatBody } from "./helpers";
import { snapshotUsers } from "./db";

type Call = { file: string; method: string; path: (id: string) => string; data?: (id: string) => unknown; mutates: boolean; scope: "thread" | "collection" };

const appendEntry = { id: "m-matrix", parentId: null, format: "ai-sdk/v6", content: { role: "user", parts: [{ type: "text", text: "x" }] } };

/** Every app route and method. A route file with a handler missing here fails the first test. */
const calls: Call[] = [
  { file: "threads/route.ts", method: "GET", path: () => "/api/threads", mutates: false, scope: "collection" },
  { file: "threads/route.ts", method: "POST", path: () => "/api/threads", data: () => ({}), mutates: true, scope: "collection" },
  { file: "threads/[id]/route.ts", method: "GET", path: (id) => `/api/threads/${id}`, mutates: false, scope: "thread" },
  { file: "threads/[id]/route.ts", method: "PATCH", path: (id) => `/api/threads/${id}`, data: () => ({ title: "changed" }), mutates: true, scope: "thread" },
  { file: "threads/[id]/route.ts", method: "DELETE", path: (id) => `/api/threads/${id}`, mutates: true, scope: "thread" },
  { file: "threads/[id]/messages/route.ts", method: "GET", path: (id) => `/api/threads/${id}/messages`, mutates: false, scope: "thread" },
  { file: "threads/[id]/messages/route.ts", method: "POST", path: (id) => `/api/threads/${id}/messages`, data: () => appendEntry, mutates: true, scope: "thread" },
  { file: "threads/[id]/title/route.ts", method: "POST", path: (id) => `/api/threads/${id}/title`, mutates: true, scope: "thread" },
  { file: "threads/[id]/export/route.ts", method: "GET", path: (id) => `/api/threads/${id}/export?format=json`, mutates: false, scope: "thread" },
  { file: "threads/[id]/stream/route.ts", method: "GET", path: (id) => `/api/threads/${id}/stream`, mutates: false, scope: "thread" },
  { file: "threads/[id]/stop/route.ts", method: "POST", path: (id) => `/api/threads/${id}/stop`, mutates: true, scope: "thread" },
  { file: "export/route.ts", method: "GET", path: () => "/api/export", mutates: false, scope: "collection" },
  { file: "search/route.ts", method: "GET", path: () => "/api/search?q=seed", mutates: false, scope: "collection" },
  { file: "chat/route.ts", method: "POST", path: () => "/api/chat", data: (id) => chatBody(id, "matrix"), mutates: true, scope: "thread" },
];

const apiDir = path.join(process.cwd(), "app", "api");
function routeFiles(dir = apiDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    // auth/ is better-auth's own; [...path] only answers 404 for unknown paths and reads nothing.
    if (entry.isDirectory()) return entry.name === "auth" || entry.name === "[...path]" ? [] : routeFiles(full);
    return entry.name === "route.ts" ? [path.relative(apiDir, full)] : [];
  });
}

test("every API route and method is in the isolation matrix", async () => {
  const { readFileSync } = await import("node:fs");
  const exported = routeFiles().flatMap((file) =>
    [...readFileSync(path.join(apiDir, file), "utf8").matchAll(/export (?:const|async function) (GET|POST|PATCH|PUT|DELETE)\b/g)].map(
      (m) => `${m[1]} ${file}`,
    ),
  );
  expect(exported.sort()).toEqual(calls.map((c) => `${c.method} ${c.file}`).sort());
});

const send = (request: APIRequestContext, call: Call, id: string) =>
  request.fetch(call.path(id), { method: call.method, data: call.data?.(id) });

test.describe.configure({ mode: "serial" });

for (const call of calls) {
  test(`${call.method} ${call.file}: 401 without a session, 404 for another user, 2xx for the owner`, async ({ playwright, baseURL }) => {
    const owner = await apiUser(playwright, baseURL!, "Owner");
    const other = await apiUser(playwright, baseURL!, "Other");
    const thread = await (await owner.request.post("/api/threads", { data: { title: "owned" } })).json();
    await owner.request.post("/api/chat", { data: chatBody(thread.id, "seed message", "seed") });
    await expect.poll(async () => (await (await owner.request.get(`/api/threads/${thread.id}/messages`)).json()).messages.length).toBe(2);

    const anonymous = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL! } });
    const before = await snapshotUsers([owner.userId, other.userId]);
    const none = await send(anonymous, call, thread.id);
    expect(none.status()).toBe(401);
    expect(await none.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });

    const foreign = await send(other.request, call, thread.id);
    if (call.scope === "thread") {
      expect(foreign.status()).toBe(404);
      expect(await foreign.json()).toEqual({ error: { code: "not_found", message: "Thread not found." } });
      // Denied: every row of every table is exactly as it was.
      expect(await snapshotUsers([owner.userId, other.userId])).toEqual(before);
    } else {
      // Collection routes act on the caller's own threads: never a row of the owner's.
      expect(foreign.status()).toBeLessThan(300);
      const body = await foreign.text();
      expect(body).not.toContain(thread.id);
    }

    const own = await send(owner.request, call, thread.id);
    expect(own.status(), await own.text()).toBeGreaterThanOrEqual(200);
    expect(own.status()).toBeLessThan(300);
    for (const r of [owner.request, other.request, anonymous]) await r.dispose();
  });
}
