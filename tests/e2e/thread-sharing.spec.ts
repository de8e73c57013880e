import { expect, test, type APIRequestContext, type Page } from "@playwright/test";
import { chatPage } from "./chat-page";
import { apiUser, chatBody, filePart, signUp, uploadFile } from "./helpers";
import { snapshotUsers, withDb } from "./db";
import { startInstance } from "./instances";
import { activateWorkspace, createWorkspace, removeMember } from "./workspaces";

/**
 * Sharing a workspace thread with its members, over HTTP against the real server: who may share,
 * what a reader sees (the shared branch and its files, read-only), "Continue as my own copy", and
 * the 404 everyone else, and a reader after the author stops sharing, gets.
 */

type Client = { request: APIRequestContext; userId: string };
type Message = {
  id: string;
  parentId: string | null;
  content: { role: string; parts: { type: string; url?: string }[] };
};

const messagesOf = async (client: Client, threadId: string) => {
  const response = await client.request.get(`/api/threads/${threadId}/messages`);
  expect(response.status()).toBe(200);
  return ((await response.json()) as { messages: Message[] }).messages;
};

const append = (client: Client, threadId: string, id: string, parentId: string | null, parts: unknown[]) =>
  client.request.post(`/api/threads/${threadId}/messages`, {
    data: { id, parentId, format: "ai-sdk/v6", content: { role: "user", parts } },
  });

const notFoundBody = (what = "Thread") => ({
  error: { code: "not_found", message: `${what} not found.`, requestId: expect.any(String) },
});

const auditOf = (userId: string) =>
  withDb(
    async (c) =>
      (
        await c.query(
          `select action, workspace_id, detail from audit_event where actor_id = $1 and action like 'thread_%' order by at, id`,
          [userId],
        )
      ).rows as { action: string; workspace_id: string; detail: { threadId: string } }[],
  );

/**
 * Alice (owner) and Bob (member) in one workspace, both working in it; Carol in none. Alice's
 * thread there: u1 (with a.txt) → u2 (with b.txt), then u1 → u3 → u4 and the model's reply, the
 * newest: the shared branch is u1, u3, u4, the reply; u2 and b.txt stay Alice's alone.
 */
async function team(playwright: { request: import("@playwright/test").APIRequest }, baseURL: string) {
  const alice = await apiUser(playwright, baseURL, "Alice");
  const bob = await apiUser(playwright, baseURL, "Bob");
  const carol = await apiUser(playwright, baseURL, "Carol");
  const space = await createWorkspace([{ userId: alice.userId, role: "owner" }, { userId: bob.userId }], "Acme");
  await activateWorkspace(alice, space.id);
  await activateWorkspace(bob, space.id);

  const thread = await (await alice.request.post("/api/threads", { data: { title: "Launch plan" } })).json();
  expect(thread.workspaceId).toBe(space.id);
  const a = await (await uploadFile(alice.request, "a.txt", Buffer.from("alpha file"))).json();
  const b = await (await uploadFile(alice.request, "b.txt", Buffer.from("bravo file"))).json();
  const unsent = await (await uploadFile(alice.request, "c.txt", Buffer.from("charlie file"))).json();
  const u1 = [{ type: "text", text: "first question" }, filePart(a)];
  expect((await append(alice, thread.id, "u1", null, u1)).status()).toBe(204);
  const u2 = [{ type: "text", text: "secret detour" }, filePart(b)];
  expect((await append(alice, thread.id, "u2", "u1", u2)).status()).toBe(204);
  expect((await append(alice, thread.id, "u3", "u1", [{ type: "text", text: "second question" }])).status()).toBe(204);
  const turn = {
    id: thread.id,
    trigger: "submit-message",
    messages: [
      { id: "u1", role: "user", parts: u1 },
      { id: "u3", role: "user", parts: [{ type: "text", text: "second question" }] },
      { id: "u4", role: "user", parts: [{ type: "text", text: "third question" }] },
    ],
  };
  const chat = await alice.request.post("/api/chat", { data: turn });
  expect(chat.status()).toBe(200);
  await chat.body();
  await expect.poll(async () => (await messagesOf(alice, thread.id)).length).toBe(5);
  return { alice, bob, carol, space, thread, a, b, unsent };
}

test("an author shares a workspace thread with its members and stops sharing it; a personal thread has nobody to share with", async ({
  playwright,
  baseURL,
}) => {
  const { alice, bob, carol, space, thread, a } = await team(playwright, baseURL!);

  // Private until shared: to Bob it does not exist, and only Alice may share it.
  expect((await bob.request.get(`/api/threads/${thread.id}`)).status()).toBe(404);
  expect(await (await bob.request.get("/api/threads/shared")).json()).toEqual({
    threads: [],
    nextCursor: null,
    workspaceId: space.id,
  });
  const byBob = await bob.request.put(`/api/threads/${thread.id}/share`);
  expect(byBob.status()).toBe(404);
  expect(await byBob.json()).toEqual(notFoundBody());

  const shared = await alice.request.put(`/api/threads/${thread.id}/share`);
  expect(shared.status()).toBe(200);
  expect(await shared.json()).toMatchObject({ id: thread.id, shared: true, own: true, workspaceId: space.id });
  expect((await alice.request.put(`/api/threads/${thread.id}/share`)).status()).toBe(200);

  // Bob finds it under Shared, with its author's name, and reads the shared branch only.
  const list = await (await bob.request.get("/api/threads/shared")).json();
  expect(list).toMatchObject({ workspaceId: space.id, nextCursor: null });
  expect(list.threads).toEqual([
    expect.objectContaining({ id: thread.id, title: "Launch plan", own: false, shared: true, authorName: "Alice" }),
  ]);
  expect((await (await alice.request.get("/api/threads/shared")).json()).threads).toEqual([]);
  expect(await (await carol.request.get("/api/threads/shared")).json()).toEqual({
    threads: [],
    nextCursor: null,
    workspaceId: null,
  });
  expect((await (await bob.request.get("/api/threads")).json()).threads).toEqual([]);
  expect(await (await bob.request.get(`/api/threads/${thread.id}`)).json()).toMatchObject({
    own: false,
    shared: true,
    authorName: "Alice",
  });
  const seen = await messagesOf(bob, thread.id);
  expect(seen.map((m) => [m.id, m.parentId])).toEqual([
    ["u1", null],
    ["u3", "u1"],
    ["u4", "u3"],
    [expect.any(String), "u4"],
  ]);
  expect(JSON.stringify(seen)).not.toContain("secret detour");
  expect((await carol.request.get(`/api/threads/${thread.id}`)).status()).toBe(404);
  expect(await (await bob.request.get(`/api/attachments/${a.id}`)).text()).toBe("alpha file");

  // Shared once, recorded once, for the workspace's owners and admins to see.
  expect(await auditOf(alice.userId)).toEqual([
    { action: "thread_shared", workspace_id: space.id, detail: { threadId: thread.id } },
  ]);

  const stopped = await alice.request.delete(`/api/threads/${thread.id}/share`);
  expect(stopped.status()).toBe(200);
  expect(await stopped.json()).toMatchObject({ id: thread.id, shared: false });
  expect((await alice.request.delete(`/api/threads/${thread.id}/share`)).status()).toBe(200);
  expect((await auditOf(alice.userId)).map((e) => e.action)).toEqual(["thread_shared", "thread_unshared"]);

  // From Bob's next request on, it is gone, files and all.
  for (const path of [`/api/threads/${thread.id}`, `/api/threads/${thread.id}/messages`]) {
    const response = await bob.request.get(path);
    expect(response.status(), path).toBe(404);
    expect(await response.json()).toEqual(notFoundBody());
  }
  expect((await bob.request.get(`/api/attachments/${a.id}`)).status()).toBe(404);
  expect((await (await bob.request.get("/api/threads/shared")).json()).threads).toEqual([]);

  // A personal thread of Alice's: nobody to share it with.
  await activateWorkspace(alice, null);
  const personal = await (await alice.request.post("/api/threads", { data: { title: "Mine" } })).json();
  expect(personal.workspaceId).toBeNull();
  for (const method of ["put", "delete"] as const) {
    const response = await alice.request[method](`/api/threads/${personal.id}/share`);
    expect(response.status()).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: "bad_request",
        message: "Only a thread in a workspace can be shared.",
        requestId: expect.any(String),
      },
    });
  }
  expect(await auditOf(alice.userId)).toHaveLength(2);
});

test("a reader gets the same 404 as a stranger from every route that writes or is the author's", async ({
  playwright,
  baseURL,
}) => {
  const { alice, bob, carol, thread, a, b } = await team(playwright, baseURL!);
  expect((await alice.request.put(`/api/threads/${thread.id}/share`)).status()).toBe(200);
  const before = await snapshotUsers([alice.userId, bob.userId]);
  const t = `/api/threads/${thread.id}`;
  const calls: [string, string, unknown?][] = [
    ["PATCH", t, { title: "mine now" }],
    ["DELETE", t],
    [
      "POST",
      `${t}/messages`,
      {
        id: "r1",
        parentId: "u4",
        format: "ai-sdk/v6",
        content: { role: "user", parts: [{ type: "text", text: "hi" }] },
      },
    ],
    ["POST", `${t}/title`],
    ["GET", `${t}/export?format=json`],
    ["GET", `${t}/export?format=markdown`],
    ["GET", `${t}/stream`],
    ["POST", `${t}/stop`],
    ["POST", "/api/chat", chatBody(thread.id, "let me add something")],
    ["PUT", `${t}/share`],
    ["DELETE", `${t}/share`],
  ];
  for (const [who, client] of [
    ["reader", bob],
    ["stranger", carol],
  ] as const) {
    for (const [method, path, data] of calls) {
      const response = await client.request.fetch(path, { method, data });
      expect(response.status(), `${who}: ${method} ${path}`).toBe(404);
      expect(await response.json(), `${who}: ${method} ${path}`).toEqual(notFoundBody());
    }
    // Files: reading the shared branch's is a reader's right, deleting any is the owner's alone.
    for (const file of [a, b]) {
      const response = await client.request.delete(`/api/attachments/${file.id}`);
      expect(response.status(), `${who}: DELETE attachment`).toBe(404);
      expect(await response.json()).toEqual(notFoundBody("Attachment"));
    }
  }
  expect(await snapshotUsers([alice.userId, bob.userId])).toEqual(before);
  expect((await messagesOf(alice, thread.id)).length).toBe(5);
});

test("a reader reads the files of the shared branch only; anyone else gets the 404 of a missing file", async ({
  playwright,
  baseURL,
}) => {
  const { alice, bob, carol, thread, a, b, unsent } = await team(playwright, baseURL!);
  expect((await bob.request.get(`/api/attachments/${a.id}`)).status()).toBe(404);
  expect((await alice.request.put(`/api/threads/${thread.id}/share`)).status()).toBe(200);

  const read = await bob.request.get(`/api/attachments/${a.id}`);
  expect(read.status()).toBe(200);
  expect(read.headers()["content-type"]).toBe("text/plain; charset=utf-8");
  expect(await read.text()).toBe("alpha file");
  const missing = [
    ["reader, off the branch", bob, b.id],
    ["reader, never sent", bob, unsent.id],
    ["stranger", carol, a.id],
    ["stranger", carol, b.id],
    ["anyone, unknown", bob, crypto.randomUUID()],
  ] as const;
  const bodies = new Set<string>();
  for (const [who, client, id] of missing) {
    const response = await client.request.get(`/api/attachments/${id}`);
    expect(response.status(), who).toBe(404);
    const body = await response.json();
    expect(body, who).toEqual(notFoundBody("Attachment"));
    bodies.add(JSON.stringify({ ...body, error: { ...body.error, requestId: "" } }));
  }
  expect(bodies.size).toBe(1);
  for (const file of [a, b, unsent])
    expect((await alice.request.get(`/api/attachments/${file.id}`)).status()).toBe(200);
});

test("continue as my own copy: the reader's new private thread holds the shared branch and copies of its files; the source is untouched", async ({
  playwright,
  baseURL,
}) => {
  const { alice, bob, carol, space, thread, a } = await team(playwright, baseURL!);
  expect((await bob.request.post(`/api/threads/${thread.id}/copy`)).status()).toBe(404);
  expect((await alice.request.put(`/api/threads/${thread.id}/share`)).status()).toBe(200);
  const source = await messagesOf(alice, thread.id);

  const copied = await bob.request.post(`/api/threads/${thread.id}/copy`);
  expect(copied.status()).toBe(201);
  const copy = await copied.json();
  expect(copy).toMatchObject({
    title: "Launch plan",
    workspaceId: space.id,
    own: true,
    shared: false,
    authorName: null,
  });
  expect(copy.id).not.toBe(thread.id);
  expect((await (await bob.request.get("/api/threads")).json()).threads.map((t: { id: string }) => t.id)).toEqual([
    copy.id,
  ]);

  const messages = await messagesOf(bob, copy.id);
  expect(messages.map((m) => [m.id, m.parentId])).toEqual(
    source.filter((m) => m.id !== "u2").map((m) => [m.id, m.parentId]),
  );
  const url = messages[0].content.parts.find((p) => p.type === "file")!.url!;
  const fileCopy = url.split("/").at(-1)!;
  expect(fileCopy).not.toBe(a.id);
  expect(await (await bob.request.get(url)).text()).toBe("alpha file");
  // Private: not Alice's to read, nor Carol's; and Alice's own thread is as it was.
  expect((await alice.request.get(`/api/threads/${copy.id}`)).status()).toBe(404);
  expect((await alice.request.get(url)).status()).toBe(404);
  expect((await carol.request.get(url)).status()).toBe(404);
  expect(await messagesOf(alice, thread.id)).toEqual(source);
  expect(await (await alice.request.get(`/api/attachments/${a.id}`)).text()).toBe("alpha file");

  // Bob goes on in his copy: its file is his to send to the model.
  const turn = {
    id: copy.id,
    trigger: "submit-message",
    messages: [
      ...messages.map((m) => ({ id: m.id, ...m.content })),
      { id: "b1", role: "user", parts: [{ type: "text", text: "my own follow-up" }] },
    ],
  };
  const chat = await bob.request.post("/api/chat", { data: turn });
  expect(chat.status(), await chat.text()).toBe(200);
  await expect.poll(async () => (await messagesOf(bob, copy.id)).length).toBe(messages.length + 2);
  expect((await messagesOf(alice, thread.id)).length).toBe(source.length);

  // Carol cannot; nor can Bob once he is no longer a member.
  const byCarol = await carol.request.post(`/api/threads/${thread.id}/copy`);
  expect(byCarol.status()).toBe(404);
  expect(await byCarol.json()).toEqual(notFoundBody());
  await removeMember(space.id, bob.userId);
  expect((await bob.request.post(`/api/threads/${thread.id}/copy`)).status()).toBe(404);
  const bobsThreads = await withDb(
    async (c) => (await c.query(`select count(*)::int as n from thread where user_id = $1`, [bob.userId])).rows[0].n,
  );
  expect(bobsThreads).toBe(1);
});

test("a copy longer than MAX_COPY_MESSAGES is refused with 413 and writes nothing", async ({ playwright }) => {
  const app = await startInstance("copy-limit", { MAX_COPY_MESSAGES: "2" });
  try {
    const alice = await apiUser(playwright, app.url, "Alice");
    const bob = await apiUser(playwright, app.url, "Bob");
    const space = await createWorkspace([{ userId: alice.userId, role: "owner" }, { userId: bob.userId }]);
    await activateWorkspace(alice, space.id);
    const thread = await (await alice.request.post("/api/threads", { data: { title: "Long" } })).json();
    for (const [id, parentId] of [
      ["m1", null],
      ["m2", "m1"],
      ["m3", "m2"],
    ] as const)
      expect((await append(alice, thread.id, id, parentId, [{ type: "text", text: id }])).status()).toBe(204);
    expect((await alice.request.put(`/api/threads/${thread.id}/share`)).status()).toBe(200);
    const before = await snapshotUsers([bob.userId]);
    const refused = await bob.request.post(`/api/threads/${thread.id}/copy`);
    expect(refused.status()).toBe(413);
    expect(await refused.json()).toEqual({
      error: {
        code: "payload_too_large",
        message: expect.stringContaining("at most 2 messages"),
        requestId: expect.any(String),
      },
    });
    expect(await snapshotUsers([bob.userId])).toEqual(before);
    for (const client of [alice, bob]) await client.request.dispose();
  } finally {
    await app.stop();
  }
});

/** The page's user id, from the address it signed up with. */
const userIdOf = (email: string) =>
  withDb(async (c) => (await c.query(`select id from "user" where email = $1`, [email])).rows[0].id as string);

async function sendAndAwaitReply(page: Page, text: string) {
  const chat = chatPage(page);
  await chat.send(text);
  await expect(chat.lastReply).toContainText(`Fake model says: ${text} — done.`);
}

test("in the browser: the author shares from the thread, a member reads it under Shared and continues it as a copy; unshared, it is not found", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(120_000);
  const alicePage = await (await browser.newContext({ baseURL })).newPage();
  const bobPage = await (await browser.newContext({ baseURL })).newPage();
  const bob = chatPage(bobPage);
  const aliceId = await userIdOf(await signUp(alicePage, "Alice"));
  const bobId = await userIdOf(await signUp(bobPage, "Bob"));

  // A personal thread has no share control.
  await sendAndAwaitReply(alicePage, "Just for me");
  await expect(alicePage.getByRole("button", { name: "Share with workspace" })).toHaveCount(0);
  await expect(alicePage.getByRole("region", { name: "Shared", exact: true })).toHaveCount(0);

  const space = await createWorkspace([{ userId: aliceId, role: "owner" }, { userId: bobId }]);
  await activateWorkspace({ request: alicePage.request, userId: aliceId }, space.id);
  await activateWorkspace({ request: bobPage.request, userId: bobId }, space.id);

  // A space's page makes it the session's active one (the API calls above did too).
  await alicePage.goto(`/w/${space.slug}`);
  await sendAndAwaitReply(alicePage, "Plan the launch");
  await expect(alicePage).toHaveURL(new RegExp(`/w/${space.slug}/chat/[0-9a-f-]{36}$`));
  const address = new URL(alicePage.url()).pathname;
  // The badge is in the thread (the sidebar has a "Shared" heading of its own).
  const badge = alicePage.getByRole("main").getByText("Shared", { exact: true });
  await expect(badge).toHaveCount(0);
  await alicePage.getByRole("button", { name: "Share with workspace" }).click();
  await expect(alicePage.getByRole("button", { name: "Stop sharing" })).toBeVisible();
  await expect(badge).toBeVisible();

  await bobPage.goto(`/w/${space.slug}`);
  const shared = bobPage.getByRole("region", { name: "Shared", exact: true });
  await expect(shared).toBeVisible();
  await shared.getByRole("button", { name: /Plan the launch/ }).click();
  await expect(bobPage).toHaveURL(address);
  await expect(bobPage.getByText("Shared by Alice")).toBeVisible();
  await expect(bob.userMessages).toContainText("Plan the launch");
  await expect(bob.replies).toContainText("Fake model says: Plan the launch — done.");
  await expect(bob.messageBox).toHaveCount(0);
  for (const name of ["Edit", "Retry", "Share with workspace", "Stop sharing", "Export Markdown"])
    await expect(bobPage.getByRole("button", { name }).or(bobPage.getByRole("link", { name }))).toHaveCount(0);
  // Not among Bob's own threads: no rename or delete for him.
  await expect(bob.threadList.getByRole("button", { name: /^Delete / })).toHaveCount(0);

  // The server renders it read-only too.
  await bobPage.reload();
  await expect(bobPage.getByText("Shared by Alice")).toBeVisible();
  await expect(bob.userMessages).toContainText("Plan the launch");
  await expect(bob.messageBox).toHaveCount(0);

  await bobPage.getByRole("button", { name: "Continue as my own copy" }).click();
  await expect(bobPage).not.toHaveURL(address);
  await expect(bobPage).toHaveURL(new RegExp(`/w/${space.slug}/chat/[0-9a-f-]{36}$`));
  await expect(bob.messageBox).toBeVisible();
  await expect(bobPage.getByText("Shared by Alice")).toHaveCount(0);
  await expect(bob.userMessages).toContainText("Plan the launch");
  await expect(bob.threadList.getByRole("button", { name: /^Delete / })).toHaveCount(1);
  await sendAndAwaitReply(bobPage, "My own next step");

  await alicePage.getByRole("button", { name: "Stop sharing" }).click();
  await expect(alicePage.getByRole("button", { name: "Share with workspace" })).toBeVisible();
  await expect(badge).toHaveCount(0);

  // Bob's next visit finds nothing there, and the Shared section has nothing left.
  const response = await bobPage.goto(address);
  expect(response?.status()).toBe(404);
  await expect(bobPage.getByRole("heading", { name: "Not found" })).toBeVisible();
  await bobPage.goto(`/w/${space.slug}`);
  await expect(bobPage.getByRole("region", { name: "Shared", exact: true })).toContainText(
    "Nothing shared with you yet.",
  );
});
