import { randomUUID } from "node:crypto";
import { expect, test, type APIRequest, type APIRequestContext } from "@playwright/test";
import { apiAdmin, apiUser, chatBody, filePart } from "./helpers";
import { snapshotUsers, withDb } from "./db";
import { activateWorkspace as activate, addMember, createWorkspace } from "./workspaces";

/**
 * The isolation matrix's workspace dimension: every kind of caller × every kind of thread × every
 * route that names a thread or one of its files, and every list that could leak one.
 *
 * Callers: the author (a plain member of workspace W), W's owner, an admin of W, another member
 * of W, a member of another workspace, a signed-in person in no workspace, an instance admin,
 * and a signed-out visitor. Threads of the author: personal, private in W, shared in W.
 *
 * The rule under test: the author reaches everything; W's members (owner and admin included)
 * read a shared thread (and its shared branch's files, and may copy it) and nothing else; nobody
 * else reaches anything, and a refusal is the 404 a missing thread gets, with the database as it was.
 */

type Kind = "personal" | "private" | "shared";
type CallerName = "author" | "owner" | "admin" | "member" | "otherWorkspace" | "nonMember" | "instanceAdmin";
type Names = { thread: string; attachment: string };
type Call = {
  name: string;
  method: string;
  path: (n: Names) => string;
  data?: (n: Names) => unknown;
  /** "read": W's members may too, on a shared thread; "author": the author alone. */
  reach: "read" | "author";
  /** What the author gets when it is not 2xx (sharing a personal thread: 400). */
  authorStatus?: (kind: Kind) => number | undefined;
  /** What a member who may read a shared thread gets (200 unless said). */
  readerStatus?: number;
  missing?: string;
};

const kinds: Kind[] = ["personal", "private", "shared"];
const readersOf: Record<Kind, CallerName[]> = {
  personal: ["author"],
  private: ["author"],
  shared: ["author", "owner", "admin", "member"],
};
const refused: CallerName[] = ["owner", "admin", "member", "otherWorkspace", "nonMember", "instanceAdmin"];

const appendEntry = (id: string) => ({
  id,
  parentId: null,
  format: "ai-sdk/v6",
  content: { role: "user", parts: [{ type: "text", text: "x" }] },
});

/** Every route that names a thread or a file of one. */
const calls: Call[] = [
  { name: "GET thread", method: "GET", path: (n) => `/api/threads/${n.thread}`, reach: "read" },
  { name: "GET messages", method: "GET", path: (n) => `/api/threads/${n.thread}/messages`, reach: "read" },
  {
    name: "GET attachment",
    method: "GET",
    path: (n) => `/api/attachments/${n.attachment}`,
    reach: "read",
    missing: "Attachment not found.",
  },
  {
    name: "DELETE attachment",
    method: "DELETE",
    path: (n) => `/api/attachments/${n.attachment}`,
    reach: "author",
    missing: "Attachment not found.",
    // A file already sent in a message is not deleted on its own (409): the author is not refused as a stranger.
    authorStatus: () => 409,
  },
  {
    name: "PATCH thread",
    method: "PATCH",
    path: (n) => `/api/threads/${n.thread}`,
    data: () => ({ title: "changed" }),
    reach: "author",
  },
  { name: "DELETE thread", method: "DELETE", path: (n) => `/api/threads/${n.thread}`, reach: "author" },
  {
    name: "POST messages",
    method: "POST",
    path: (n) => `/api/threads/${n.thread}/messages`,
    data: () => appendEntry(`m-${randomUUID()}`),
    reach: "author",
  },
  { name: "POST title", method: "POST", path: (n) => `/api/threads/${n.thread}/title`, reach: "author" },
  {
    name: "GET export",
    method: "GET",
    path: (n) => `/api/threads/${n.thread}/export?format=json`,
    reach: "author",
  },
  {
    name: "GET stream",
    method: "GET",
    path: (n) => `/api/threads/${n.thread}/stream`,
    reach: "author",
    // No reply is being written: the author is told so (204), not refused.
    authorStatus: () => 204,
  },
  { name: "POST stop", method: "POST", path: (n) => `/api/threads/${n.thread}/stop`, reach: "author" },
  {
    name: "POST copy",
    method: "POST",
    path: (n) => `/api/threads/${n.thread}/copy`,
    reach: "read",
    readerStatus: 201,
  },
  {
    name: "PUT share",
    method: "PUT",
    path: (n) => `/api/threads/${n.thread}/share`,
    reach: "author",
    // A personal thread has nobody to be shared with.
    authorStatus: (kind) => (kind === "personal" ? 400 : 200),
  },
  {
    name: "DELETE share",
    method: "DELETE",
    path: (n) => `/api/threads/${n.thread}/share`,
    reach: "author",
    authorStatus: (kind) => (kind === "personal" ? 400 : 200),
  },
  {
    name: "POST chat",
    method: "POST",
    path: () => "/api/chat",
    data: (n) => chatBody(n.thread, "matrix turn"),
    reach: "author",
  },
];

const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;
type Client = { request: APIRequestContext; userId: string };
let callers: Record<CallerName, Client>;
let anonymous: APIRequestContext;
let workspaceId: string;
let elsewhereId: string;
let nonce = 0;

/** What the workspace tables hold (membership, invitations, the workspace rows): unchanged by every refusal. */
const snapshotWorkspaces = () =>
  withDb(async (c) => {
    // The two workspaces of this test only: other tests run beside it and make their own.
    const ids = [workspaceId, elsewhereId];
    const rows = async (query: string) => (await c.query(query, [ids])).rows.map((r) => r.r as string);
    return {
      workspace: await rows(`select row_to_json(t)::text as r from workspace t where id = any($1) order by 1`),
      member: await rows(
        `select row_to_json(t)::text as r from workspace_member t where workspace_id = any($1) order by 1`,
      ),
      invitation: await rows(
        `select row_to_json(t)::text as r from workspace_invitation t where workspace_id = any($1) order by 1`,
      ),
    };
  });

/**
 * A new author (a plain member of W: uploads and turns count against one person's chat rate
 * limit, so each test has its own) and their three threads, each with a message carrying a file
 * and a reply; the workspace ones moved into W.
 */
async function seedThreads(secret: string, playwright: { request: APIRequest }): Promise<Record<Kind, Names>> {
  await callers.author?.request.dispose();
  callers.author = await apiUser(playwright, baseURL, "Matrix author");
  await addMember(workspaceId, callers.author.userId);
  const author = callers.author.request;
  const out = {} as Record<Kind, Names>;
  for (const kind of kinds) {
    const thread = await (await author.post("/api/threads", { data: { title: `${secret} ${kind}` } })).json();
    const upload = await (
      await author.post("/api/attachments", {
        multipart: { file: { name: `${kind}.txt`, mimeType: "text/plain", buffer: Buffer.from(`${secret} ${kind}`) } },
      })
    ).json();
    const body = chatBody(thread.id, `${secret} ${kind} question`);
    body.messages[0].parts.push(filePart({ id: upload.id, name: `${kind}.txt`, type: "text/plain" }) as never);
    const turn = await author.post("/api/chat", { data: body });
    expect(turn.status(), await turn.text()).toBe(200);
    await expect
      .poll(async () => (await (await author.get(`/api/threads/${thread.id}/messages`)).json()).messages.length)
      .toBe(2);
    out[kind] = { thread: thread.id, attachment: upload.id };
  }
  await withDb((c) =>
    c.query(
      `update thread set workspace_id = $1, shared_at = case when id = $3 then now() else null end where id in ($2, $3)`,
      [workspaceId, out.private.thread, out.shared.thread],
    ),
  );
  return out;
}

const send = (request: APIRequestContext, call: Call, names: Names) =>
  request.fetch(call.path(names), { method: call.method, data: call.data?.(names) });

test.describe("the workspace dimension of the isolation matrix", () => {
  test.describe.configure({ mode: "serial" });

  test.beforeAll(async ({ playwright }) => {
    const names: CallerName[] = ["owner", "admin", "member", "otherWorkspace", "nonMember"];
    callers = {} as Record<CallerName, Client>;
    for (const name of names) callers[name] = await apiUser(playwright, baseURL, `Matrix ${name}`);
    callers.instanceAdmin = await apiAdmin(playwright, baseURL);
    anonymous = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
    workspaceId = (
      await createWorkspace([
        { userId: callers.owner.userId, role: "owner" },
        { userId: callers.admin.userId, role: "admin" },
        { userId: callers.member.userId },
      ])
    ).id;
    elsewhereId = (await createWorkspace([{ userId: callers.otherWorkspace.userId, role: "owner" }])).id;
    for (const name of ["owner", "admin", "member"] as const) await activate(callers[name], workspaceId);
    await activate(callers.otherWorkspace, elsewhereId);
  });

  test.afterAll(async () => {
    for (const client of Object.values(callers ?? {})) await client.request.dispose();
    await anonymous?.dispose();
  });

  for (const call of calls) {
    test(`${call.name}: ${call.reach === "read" ? "the author, and W's members on a shared thread" : "the author alone"}; everyone else the missing thread's 404, nothing written`, async ({
      playwright,
    }) => {
      const secret = `ws matrix ${process.pid}-${nonce++}`;
      const threads = await seedThreads(secret, playwright);
      // The instance admin is the one account every admin test of this server signs in as (new
      // sessions beside this test): its rows are not this test's to watch.
      const watched = Object.entries(callers)
        .filter(([name]) => name !== "instanceAdmin")
        .map(([, c]) => c.userId);
      const before = { users: await snapshotUsers(watched), workspaces: await snapshotWorkspaces() };
      const missing = call.missing ?? "Thread not found.";

      for (const kind of kinds) {
        const anonymousAnswer = await send(anonymous, call, threads[kind]);
        expect(anonymousAnswer.status(), `signed out, ${kind}`).toBe(401);
        for (const who of refused) {
          if (call.reach === "read" && readersOf[kind].includes(who)) continue;
          const response = await send(callers[who].request, call, threads[kind]);
          expect(response.status(), `${who}, ${kind}`).toBe(404);
          expect(await response.json(), `${who}, ${kind}`).toEqual({
            error: { code: "not_found", message: missing, requestId: response.headers()["x-request-id"] },
          });
        }
      }
      // Every refusal left every row of every caller, and the workspaces, exactly as they were.
      expect({ users: await snapshotUsers(watched), workspaces: await snapshotWorkspaces() }).toEqual(before);

      if (call.reach === "read") {
        for (const who of readersOf.shared.filter((w) => w !== "author")) {
          const response = await send(callers[who].request, call, threads.shared);
          expect(response.status(), `${who} reads the shared thread`).toBe(call.readerStatus ?? 200);
        }
      }
      for (const kind of kinds) {
        const response = await send(callers.author.request, call, threads[kind]);
        const expected = call.authorStatus?.(kind);
        if (expected !== undefined) expect(response.status(), `author, ${kind}`).toBe(expected);
        else {
          expect(response.status(), `author, ${kind}: ${await response.text()}`).toBeGreaterThanOrEqual(200);
          expect(response.status(), `author, ${kind}`).toBeLessThan(300);
        }
      }
    });
  }

  test("lists, search and exports: nobody but the author finds a private or personal thread; W's members find the shared one", async ({
    playwright,
  }) => {
    const secret = `wsmatrix${process.pid}n${nonce++}`;
    const threads = await seedThreads(secret, playwright);
    const collections = [
      "/api/threads",
      "/api/threads/shared",
      "/api/threads?status=archived",
      `/api/search?q=${encodeURIComponent(secret)}`,
      "/api/export",
    ];
    for (const who of refused) {
      for (const path of collections) {
        const body = await (await callers[who].request.get(path)).text();
        for (const kind of ["personal", "private"] as const) {
          expect(body, `${who} ${path} ${kind}`).not.toContain(threads[kind].thread);
          expect(body, `${who} ${path} ${kind}`).not.toContain(`${secret} ${kind}`);
        }
        if (!readersOf.shared.includes(who)) {
          expect(body, `${who} ${path} shared`).not.toContain(threads.shared.thread);
          expect(body, `${who} ${path} shared`).not.toContain(`${secret} shared`);
        }
      }
    }
    // In W, a member's search finds the shared thread by its text.
    for (const who of readersOf.shared.filter((w) => w !== "author")) {
      const found = await (
        await callers[who].request.get(`/api/search?q=${encodeURIComponent(`${secret} shared question`)}`)
      ).json();
      expect(
        found.results.map((r: { id: string }) => r.id),
        who,
      ).toEqual([threads.shared.thread]);
    }
    // The author's own lists: personal in the personal space, W's two in W.
    const personal = await (await callers.author.request.get("/api/threads")).text();
    expect(personal).toContain(threads.personal.thread);
    expect(personal).not.toContain(threads.private.thread);
    await activate(callers.author, workspaceId);
    const inWorkspace = await (await callers.author.request.get("/api/threads")).text();
    expect(inWorkspace).toContain(threads.private.thread);
    expect(inWorkspace).toContain(threads.shared.thread);
    expect(inWorkspace).not.toContain(threads.personal.thread);
    await activate(callers.author, null);
  });
});
