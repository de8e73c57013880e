import { expect, test, type Page } from "@playwright/test";
import { chatPage } from "./chat-page";
import { apiAdmin, apiUser, password } from "./helpers";
import { withDb } from "./db";
import { startInstance } from "./instances";
import { activateWorkspace, addMember, createWorkspace, removeMember } from "./workspaces";
import { makePng } from "../support/files";
import { uniqueEmail } from "../support/unique-email";
import {
  addTurn,
  browserPerson,
  expectShareHeaders,
  randomToken,
  share,
  threadWithReply,
  tokenOf,
  tokenPattern,
  visibleText,
  type Person,
  type ShareLinkJson,
} from "./share-links";

/**
 * Share links (issue 25): a snapshot of a thread's current branch at /s/<token>, rendered on the
 * server, for the audience its author picked within what the instance allows; the same 404 page
 * for every link that is unknown, deleted or not the viewer's to open.
 */

let nonces = 0;
const nonce = () => `${process.pid}-${Date.now().toString(36)}-${nonces++}`;
const replyTo = (text: string) => `Fake model says: ${text} — done.`;

/** The text of the main landmark: what a person reads, to compare one 404 page with another. */
const mainText = async (page: Page) => (await page.getByRole("main").innerText()).replace(/\s+/g, " ").trim();

/** GET a share page without following anything; its status, headers and text. */
async function openPage(person: Pick<Person, "request">, path: string) {
  const response = await person.request.get(path, { maxRedirects: 0 });
  const html = await response.text();
  return { status: response.status(), headers: response.headers(), html, text: visibleText(html) };
}

test("in the browser: Alice shares a thread by link, Bob reads it (with JavaScript off too) and continues it as his own; deleted, the link is the 404 page, and sharing again makes a new one", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(150_000);
  const alice = await browserPerson(browser, baseURL!, "Alice", { permissions: ["clipboard-read", "clipboard-write"] });
  const bob = await browserPerson(browser, baseURL!, "Bob");
  const tag = nonce();
  const title = `Trip plan ${tag}`;
  // The reply echoes the question: its Markdown is rendered on the server, its raw HTML and images are not.
  const question = `[reason] Plan the trip ${tag} with **bold words**, [a safe link](https://example.com/guide), ![tracker pixel](https://evil.example/pixel.png) and <img src=x onerror="document.title='pwned'">`;
  const notes = `packing list ${tag}`;
  const thread = await threadWithReply(alice, title, question, [
    { name: "map.png", type: "image/png", bytes: makePng(8, 8, 7) },
    { name: "notes.txt", type: "text/plain", bytes: Buffer.from(notes) },
  ]);

  // Alice shares it from the thread: the default audience, the full address to copy.
  await alice.page.goto(`/chat/${thread.id}`);
  await alice.page.getByRole("button", { name: "Share link" }).click();
  const panel = alice.page
    .getByRole("region", { name: "Share link" })
    .or(alice.page.getByRole("dialog", { name: "Share link" }));
  const address = panel.getByRole("textbox", { name: "Link" });
  await expect(address).toHaveValue(new RegExp(`^${baseURL}/s/[A-Za-z0-9_-]{43}$`));
  const link = await address.inputValue();
  const token = link.split("/").at(-1)!;
  expect(link).not.toContain(thread.id);
  const audience = panel.getByRole("combobox", { name: "Who can open it" });
  await expect(audience.locator("option:checked")).toHaveText("Anyone signed in here");
  // A personal thread on an instance that allows signed-in links: no other audience to pick.
  await expect(audience.locator("option")).toHaveText(["Anyone signed in here"]);
  await expect(panel).toContainText("Later messages are not included until you update the link.");
  await panel.getByRole("button", { name: "Copy link" }).click();
  await expect.poll(() => alice.page.evaluate(() => navigator.clipboard.readText())).toBe(link);

  // Bob reads it: rendered on the server, with its author and date, reasoning folded, files through the link.
  const opened = await bob.page.goto(link);
  expect(opened?.status()).toBe(200);
  expectShareHeaders(opened!.headers(), "page");
  await expect(bob.page.getByRole("heading", { name: title })).toBeVisible();
  await expect(bob.page.getByText(/Shared by Alice · snapshot of/)).toBeVisible();
  const main = bob.page.getByRole("main");
  await expect(main).toContainText(`Plan the trip ${tag}`);
  await expect(main).toContainText("Fake model says:");
  await expect(
    main.locator("details").filter({ has: bob.page.locator("summary", { hasText: "Reasoning" }) }),
  ).toContainText("Let me think about that.");
  await expect(bob.page.locator("main strong", { hasText: "bold words" }).first()).toBeVisible();
  await expect(bob.page.getByRole("link", { name: "a safe link" }).first()).toHaveAttribute(
    "rel",
    /(?=.*noopener)(?=.*noreferrer)(?=.*nofollow)/,
  );
  await expect(main).toContainText("tracker pixel");
  await expect(bob.page.locator('img[src*="evil.example"]')).toHaveCount(0);
  await expect(bob.page.locator('img[src="x"]')).toHaveCount(0);
  expect(await bob.page.title()).not.toBe("pwned");
  const image = bob.page.locator(`main img[src^="/s/${token}/files/"]`);
  await expect(image).toHaveCount(1);
  const download = bob.page.getByRole("link", { name: "notes.txt" });
  await expect(download).toHaveAttribute("href", new RegExp(`^/s/${token}/files/[0-9a-f-]{36}$`));
  const notesPath = (await download.getAttribute("href"))!;
  expect(await (await bob.request.get(notesPath)).text()).toBe(notes);
  // The snapshot's files are its own copies: not Alice's uploads, and no attachment route serves them.
  const shareFileId = notesPath.split("/").at(-1)!;
  expect(thread.uploads.map((u) => u.id)).not.toContain(shareFileId);
  for (const person of [bob, alice])
    expect((await person.request.get(`/api/attachments/${shareFileId}`)).status()).toBe(404);
  for (const upload of thread.uploads)
    expect((await bob.request.get(`/api/attachments/${upload.id}`)).status()).toBe(404);
  await expect(bob.page.getByRole("button", { name: "Continue this conversation" })).toBeVisible();

  // With JavaScript off the page is the same: everything is in the HTML, continuing is a plain form.
  const noScript = await browser.newContext({
    baseURL,
    javaScriptEnabled: false,
    storageState: await bob.context.storageState(),
  });
  try {
    const reader = await noScript.newPage();
    expect((await reader.goto(link))?.status()).toBe(200);
    await expect(reader.getByRole("heading", { name: title })).toBeVisible();
    await expect(reader.getByText(/Shared by Alice/)).toBeVisible();
    await expect(reader.getByRole("main")).toContainText(`Plan the trip ${tag}`);
    await expect(reader.getByRole("main")).toContainText("Fake model says:");
    await expect(reader.locator(`main img[src^="/s/${token}/files/"]`)).toHaveCount(1);
    await expect(reader.locator(`form[method="post"][action="/s/${token}/continue"]`)).toHaveCount(1);
  } finally {
    await noScript.close();
  }

  // Continue: a new private thread of Bob's with the snapshot's messages, ready for his next message.
  await bob.page.getByRole("button", { name: "Continue this conversation" }).click();
  await expect(bob.page).toHaveURL(/\/chat\/[0-9a-f-]{36}$/);
  const copyId = chatPage(bob.page).threadId();
  expect(copyId).not.toBe(thread.id);
  const bobChat = chatPage(bob.page);
  await expect(bobChat.userMessages.first()).toContainText(`Plan the trip ${tag}`);
  await expect(bobChat.replies.first()).toContainText("Fake model says:");
  await expect(bobChat.messageBox).toBeVisible();
  const copy = await (await bob.request.get(`/api/threads/${copyId}`)).json();
  expect(copy).toMatchObject({ id: copyId, title, own: true, workspaceId: null });
  expect((await alice.request.get(`/api/threads/${copyId}`)).status()).toBe(404);
  const copied = (await (await bob.request.get(`/api/threads/${copyId}/messages`)).json()).messages as {
    content: { parts: { type: string; url?: string; filename?: string }[] };
  }[];
  expect(copied).toHaveLength(2);
  const copiedNotes = copied[0].content.parts.find((p) => p.filename === "notes.txt")!;
  expect(copiedNotes.url).toMatch(/^\/api\/attachments\/[0-9a-f-]{36}$/);
  expect(await (await bob.request.get(copiedNotes.url!)).text()).toBe(notes);
  expect((await alice.request.get(copiedNotes.url!)).status()).toBe(404);
  await bobChat.send("My own next step");
  await expect(bobChat.lastReply).toContainText(replyTo("My own next step"));

  // The 404 page a deleted link gets is the one an unknown link gets.
  expect((await bob.page.goto(`/s/${randomToken()}`))?.status()).toBe(404);
  const unknownText = await mainText(bob.page);
  expect((await bob.page.goto(link))?.status()).toBe(200);

  // Alice deletes the link from the same panel: Bob's reload is the 404 page.
  alice.page.on("dialog", (dialog) => void dialog.accept());
  await panel.getByRole("button", { name: "Delete link" }).click();
  await expect(alice.page.getByRole("button", { name: "Share link" })).toBeVisible();
  const reloaded = await bob.page.reload();
  expect(reloaded?.status()).toBe(404);
  expectShareHeaders(reloaded!.headers(), "404 page");
  expect(await mainText(bob.page)).toBe(unknownText);
  expect(await bob.page.content()).not.toContain(`Plan the trip ${tag}`);
  expect((await bob.request.get(notesPath)).status()).toBe(404);
  // Bob's copy is his: it stays.
  expect((await bob.request.get(`/api/threads/${copyId}`)).status()).toBe(200);

  // Sharing again makes a new link; the old one stays dead.
  await alice.page.getByRole("button", { name: "Share link" }).click();
  await expect(address).toHaveValue(new RegExp(`^${baseURL}/s/[A-Za-z0-9_-]{43}$`));
  const again = await address.inputValue();
  expect(again).not.toBe(link);
  expect((await bob.page.goto(link))?.status()).toBe(404);
  expect(await mainText(bob.page)).toBe(unknownText);
  expect((await bob.page.goto(again))?.status()).toBe(200);
  await expect(bob.page.getByRole("heading", { name: title })).toBeVisible();
  for (const person of [alice, bob]) await person.context.close();
});

test("a long snapshot is read a page at a time through plain links (JavaScript off); a page it does not have is the 404 page", async ({
  browser,
  baseURL,
}) => {
  test.setTimeout(90_000);
  const alice = await browserPerson(browser, baseURL!, "Alice");
  const bob = await browserPerson(browser, baseURL!, "Bob");
  const tag = nonce();
  const thread = (await (await alice.request.post("/api/threads", { data: { title: `Long ${tag}` } })).json()) as {
    id: string;
  };
  // 230 messages written in SQL (230 chat turns would take minutes): pages of 100, 100 and 30.
  await withDb((c) =>
    c.query(
      `insert into message (thread_id, id, parent_id, role, format, content, status, created_at)
       select $1, 'm' || i, case when i = 1 then null else 'm' || (i - 1) end,
              case when i % 2 = 1 then 'user' else 'assistant' end, 'ai-sdk/v6',
              jsonb_build_object('role', case when i % 2 = 1 then 'user' else 'assistant' end,
                                 'parts', jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'Line ' || i || ' of ' || $2::text))),
              'complete', now() - interval '1 hour' + make_interval(secs => i)
       from generate_series(1, 230) i`,
      [thread.id, tag],
    ),
  );
  const link = await share(alice, thread.id, undefined, 201);

  const noScript = await browser.newContext({
    baseURL,
    javaScriptEnabled: false,
    storageState: await bob.context.storageState(),
  });
  try {
    const reader = await noScript.newPage();
    const main = reader.getByRole("main");
    const expectPage = async (page: number, first: number, last: number) => {
      await expect(reader.getByRole("heading", { name: `Long ${tag}` })).toBeVisible();
      await expect(reader.getByText(/Shared by Alice · snapshot of/)).toBeVisible();
      await expect(reader.getByRole("navigation", { name: "Pages" })).toHaveCount(2);
      await expect(reader.getByRole("navigation", { name: "Pages" }).first()).toContainText(`Page ${page} of 3`);
      await expect(main.locator("article")).toHaveCount(last - first + 1);
      await expect(main.locator("article").first()).toContainText(`Line ${first} of ${tag}`);
      await expect(main.locator("article").last()).toContainText(`Line ${last} of ${tag}`);
      await expect(reader.getByRole("button", { name: "Continue this conversation" })).toBeVisible();
    };
    expect((await reader.goto(link.path))?.status()).toBe(200);
    await expectPage(1, 1, 100);
    await expect(reader.getByRole("link", { name: "Earlier messages" })).toHaveCount(0);
    await reader.getByRole("link", { name: "Later messages" }).first().click();
    await expect(reader).toHaveURL(new RegExp(`/s/${tokenOf(link)}\\?page=2$`));
    await expectPage(2, 101, 200);
    await reader.getByRole("link", { name: "Later messages" }).last().click();
    await expectPage(3, 201, 230);
    await expect(reader.getByRole("link", { name: "Later messages" })).toHaveCount(0);
    await reader.getByRole("link", { name: "Earlier messages" }).first().click();
    await expectPage(2, 101, 200);
  } finally {
    await noScript.close();
  }
  // Reading on through the pages is one view.
  expect((await (await alice.request.get(`/api/threads/${thread.id}/link`)).json()).link.views).toBe(1);

  const unknown = await openPage(bob, `/s/${randomToken()}`);
  for (const query of ["page=0", "page=abc", "page=99", "page=02", "page=-1", "page=", "page=2&page=2"]) {
    const opened = await openPage(bob, `${link.path}?${query}`);
    expect(opened.status, query).toBe(404);
    expectShareHeaders(opened.headers, query);
    expect(opened.text, query).toBe(unknown.text);
  }
  for (const person of [alice, bob]) await person.context.close();
});

test("the API: create, read, update under the same token, audience rules, delete; views counted; a thread's deletion ends its link", async ({
  playwright,
  baseURL,
}) => {
  const alice = await apiUser(playwright, baseURL!, "Alice");
  const bob = await apiUser(playwright, baseURL!, "Bob");
  const anonymous = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL! } });
  const nobody = { request: anonymous };
  const tag = nonce();
  const thread = await threadWithReply(alice, `Recipe ${tag}`, `first question ${tag}`);

  const none = await alice.request.get(`/api/threads/${thread.id}/link`);
  expect(none.status()).toBe(200);
  expect(await none.json()).toEqual({ link: null, audiences: ["signed-in"] });
  // Not Bob's thread: the same 404 as a missing one, for every method.
  for (const method of ["GET", "PUT", "PATCH", "DELETE"]) {
    const response = await bob.request.fetch(`/api/threads/${thread.id}/link`, {
      method,
      data: method === "PATCH" ? { audience: "signed-in" } : undefined,
    });
    expect(response.status(), method).toBe(404);
    expect((await response.json()).error.code).toBe("not_found");
  }

  const created = await alice.request.put(`/api/threads/${thread.id}/link`);
  expect(created.status()).toBe(201);
  const link = (await created.json()) as ShareLinkJson;
  expect(link).toEqual({
    id: expect.stringMatching(/^[0-9a-f-]{36}$/),
    threadId: thread.id,
    threadTitle: `Recipe ${tag}`,
    path: expect.stringMatching(/^\/s\/[A-Za-z0-9_-]{43}$/),
    audience: "signed-in",
    workspaceId: null,
    createdAt: expect.any(String),
    updatedAt: expect.any(String),
    views: 0,
    messages: 2,
    available: true,
  });
  const token = tokenOf(link);
  expect(token).toMatch(tokenPattern);
  for (const id of [thread.id, link.id, alice.userId]) expect(token).not.toContain(id.replaceAll("-", "").slice(0, 8));
  expect(await (await alice.request.get(`/api/threads/${thread.id}/link`)).json()).toEqual({
    link,
    audiences: ["signed-in"],
  });

  // Bob reads it; without a cookie nothing of it leaves the server.
  const page = await openPage(bob, link.path);
  expect(page.status).toBe(200);
  expect(page.text).toContain(`first question ${tag}`);
  expect(page.html).toMatch(/<meta name="robots" content="noindex, nofollow"/);
  expect(page.html).toMatch(/<meta name="referrer" content="no-referrer"/);
  const outside = await openPage(nobody, link.path);
  expect(outside.status).toBe(404);
  for (const secret of [`first question ${tag}`, `Recipe ${tag}`, replyTo(`first question ${tag}`)])
    expect(outside.html).not.toContain(secret);

  // A later turn is not in the snapshot until Alice updates it: same token, new snapshot, views kept.
  await addTurn(alice, thread.id, `second question ${tag}`);
  await alice.request.patch(`/api/threads/${thread.id}`, { data: { title: `Renamed ${tag}` } });
  expect((await openPage(bob, link.path)).text).not.toContain(`second question ${tag}`);
  expect((await openPage(bob, link.path)).text).toContain(`Recipe ${tag}`);
  const updated = await share(alice, thread.id, undefined, 200);
  expect(updated).toMatchObject({ id: link.id, path: link.path, messages: 4, views: 3, threadTitle: `Renamed ${tag}` });
  expect(updated.updatedAt >= link.updatedAt).toBe(true);
  const fresh = await openPage(bob, link.path);
  expect(fresh.text).toContain(`second question ${tag}`);
  expect(fresh.text).toContain(`Renamed ${tag}`);

  // Audiences: no workspace for a personal thread, no "anyone" on an instance that does not allow it.
  for (const [method, audience, status] of [
    ["PUT", "workspace", 400],
    ["PATCH", "workspace", 400],
    ["PUT", "anyone", 403],
    ["PATCH", "anyone", 403],
  ] as const) {
    const response = await alice.request.fetch(`/api/threads/${thread.id}/link`, { method, data: { audience } });
    expect(response.status(), `${method} ${audience}`).toBe(status);
    expect((await response.json()).error.code).toBe(status === 400 ? "bad_request" : "forbidden");
  }
  const patched = await alice.request.patch(`/api/threads/${thread.id}/link`, { data: { audience: "signed-in" } });
  expect(patched.status()).toBe(200);
  expect(await patched.json()).toMatchObject({ id: link.id, path: link.path, audience: "signed-in", messages: 4 });

  // Views: each rendered snapshot counts; 404s, files and the owner's API reads do not.
  await openPage(nobody, link.path);
  await openPage(bob, `/s/${randomToken()}`);
  const viewsBefore = (await (await alice.request.get(`/api/threads/${thread.id}/link`)).json()).link.views;
  expect(viewsBefore).toBe(4);
  await openPage(bob, link.path);
  expect((await (await alice.request.get(`/api/threads/${thread.id}/link`)).json()).link.views).toBe(5);

  // Listed on the author's account, never on anyone else's.
  const listed = (await (await alice.request.get("/api/share-links")).json()).links as ShareLinkJson[];
  expect(listed.map((l) => l.id)).toEqual([link.id]);
  expect(await (await bob.request.get("/api/share-links")).json()).toEqual({ links: [] });
  expect((await bob.request.delete(`/api/share-links/${link.id}`)).status()).toBe(404);
  expect((await openPage(bob, link.path)).status).toBe(200);

  // Audit: created, updated, audience set, deleted; never a title, token or text.
  const deleted = await alice.request.delete(`/api/threads/${thread.id}/link`);
  expect(deleted.status()).toBe(204);
  expect((await alice.request.delete(`/api/threads/${thread.id}/link`)).status()).toBe(404);
  expect(
    (await alice.request.patch(`/api/threads/${thread.id}/link`, { data: { audience: "signed-in" } })).status(),
  ).toBe(404);
  expect((await openPage(bob, link.path)).status).toBe(404);
  expect(await (await alice.request.get(`/api/threads/${thread.id}/link`)).json()).toEqual({
    link: null,
    audiences: ["signed-in"],
  });
  const audit = await withDb(
    async (c) =>
      (
        await c.query(
          `select action, detail::text as detail from audit_event where actor_id = $1 and action like 'share_link%' order by at, id`,
          [alice.userId],
        )
      ).rows as { action: string; detail: string }[],
  );
  expect(audit.map((e) => e.action)).toEqual(
    expect.arrayContaining(["share_link_created", "share_link_updated", "share_link_deleted"]),
  );
  for (const event of audit) {
    for (const secret of [token, `Recipe ${tag}`, `Renamed ${tag}`, `first question ${tag}`])
      expect(event.detail, event.action).not.toContain(secret);
  }

  // Shared again, then the thread deleted: the link, its messages and files are gone with it.
  const second = await share(alice, thread.id, undefined, 201);
  expect(second.path).not.toBe(link.path);
  expect((await openPage(bob, second.path)).status).toBe(200);
  expect((await alice.request.delete(`/api/threads/${thread.id}`)).status()).toBeLessThan(300);
  expect((await openPage(bob, second.path)).status).toBe(404);
  expect(await (await alice.request.get("/api/share-links")).json()).toEqual({ links: [] });
  const rows = await withDb(
    async (c) =>
      (await c.query(`select count(*)::int as n from share_link where id = any($1)`, [[link.id, second.id]])).rows[0].n,
  );
  expect(rows).toBe(0);
  for (const client of [alice.request, bob.request, anonymous]) await client.dispose();
});

test("headers of every /s/ route: no-store, noindex, no referrer, on the page, the 404 page, files and continue; files served inert", async ({
  playwright,
  baseURL,
}) => {
  const alice = await apiUser(playwright, baseURL!, "Alice");
  const bob = await apiUser(playwright, baseURL!, "Bob");
  const anonymous = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL! } });
  const tag = nonce();
  const png = makePng(4, 4, 3);
  const html = `<html><script>alert(document.cookie)</script>${tag}</html>`;
  const thread = await threadWithReply(alice, `Files ${tag}`, `look at these ${tag}`, [
    { name: "photo.png", type: "image/png", bytes: png },
    { name: "page.txt", type: "text/plain", bytes: Buffer.from(html) },
  ]);
  const link = await share(alice, thread.id, undefined, 201);
  const token = tokenOf(link);
  const page = await openPage(bob, link.path);
  expect(page.status).toBe(200);
  const files = [...page.html.matchAll(new RegExp(`/s/${token}/files/([0-9a-f-]{36})`, "g"))].map((m) => m[1]);
  const [imageId, textId] = [...new Set(files)];
  expect(imageId && textId).toBeTruthy();

  const image = await bob.request.get(`/s/${token}/files/${imageId}`);
  expect(image.status()).toBe(200);
  expect(await image.body()).toEqual(png);
  expect(image.headers()).toMatchObject({
    "content-type": "image/png",
    "content-security-policy": "default-src 'none'; img-src 'self'; sandbox",
    "x-content-type-options": "nosniff",
    "content-disposition": expect.stringMatching(/^inline; filename="photo\.png"/),
  });
  const text = await bob.request.get(`/s/${token}/files/${textId}`);
  expect(text.status()).toBe(200);
  expect(await text.text()).toBe(html);
  expect(text.headers()).toMatchObject({
    "content-type": "text/plain; charset=utf-8",
    "content-security-policy": "default-src 'none'; img-src 'self'; sandbox",
    "content-disposition": expect.stringMatching(/^attachment; filename="page\.txt"/),
  });
  // The snapshot's file ids name nothing in the attachment route, for Alice either.
  for (const id of [imageId, textId])
    for (const person of [alice, bob]) expect((await person.request.get(`/api/attachments/${id}`)).status()).toBe(404);

  const formPost = (client: typeof anonymous, path: string) =>
    client.post(path, { form: {}, maxRedirects: 0, headers: { origin: baseURL! } });
  const responses: [
    string,
    { status: () => number; headers: () => Record<string, string>; text: () => Promise<string> },
    number,
  ][] = [
    ["page", await bob.request.get(link.path), 200],
    ["page, signed out (the 404 page)", await anonymous.get(link.path), 404],
    ["page, unknown token", await bob.request.get(`/s/${randomToken()}`), 404],
    ["page, malformed token", await bob.request.get("/s/not-a-token"), 404],
    ["image", image, 200],
    ["text file", text, 200],
    ["file, signed out", await anonymous.get(`/s/${token}/files/${textId}`), 404],
    ["file, unknown", await bob.request.get(`/s/${token}/files/${crypto.randomUUID()}`), 404],
    ["continue, form post", await formPost(bob.request, `/s/${token}/continue`), 303],
    ["continue, API", await bob.request.post(`/s/${token}/continue`), 201],
    ["continue, signed out", await formPost(anonymous, `/s/${token}/continue`), 401],
    ["continue, unknown token", await bob.request.post(`/s/${randomToken()}/continue`), 404],
  ];
  for (const [what, response, status] of responses) {
    expect(response.status(), what).toBe(status);
    expectShareHeaders(response.headers(), what);
    if (status === 404 || status === 401) {
      const body = await response.text();
      for (const secret of [`look at these ${tag}`, `Files ${tag}`, tag]) expect(body, what).not.toContain(secret);
    }
  }
  const [, formResponse] = responses.find(([what]) => what === "continue, form post")!;
  expect(formResponse.headers()["location"]).toMatch(/\/chat\/[0-9a-f-]{36}$/);
  const [, apiResponse] = responses.find(([what]) => what === "continue, API")!;
  const { thread: copy } = JSON.parse(await apiResponse.text());
  expect(copy).toMatchObject({ title: `Files ${tag}`, own: true, workspaceId: null });
  // The 404s are alike: a file that is not there and one not Bob's to see say the same.
  const unknownFile = await (await bob.request.get(`/s/${token}/files/${crypto.randomUUID()}`)).json();
  const signedOutFile = await (await anonymous.get(`/s/${token}/files/${textId}`)).json();
  expect(unknownFile.error.code).toBe("not_found");
  expect({ ...signedOutFile.error, requestId: "" }).toEqual({ ...unknownFile.error, requestId: "" });
  for (const client of [alice.request, bob.request, anonymous]) await client.dispose();
});

test("a workspace link: its members read and continue it, nobody else; a member who leaves, or an author who does, ends it for them", async ({
  playwright,
  baseURL,
}) => {
  const alice = await apiUser(playwright, baseURL!, "Alice");
  const bob = await apiUser(playwright, baseURL!, "Bob");
  const carol = await apiUser(playwright, baseURL!, "Carol");
  const space = await createWorkspace([{ userId: alice.userId, role: "owner" }, { userId: bob.userId }], "Acme");
  await activateWorkspace(alice, space.id);
  const tag = nonce();
  const thread = await threadWithReply(alice, `Roadmap ${tag}`, `team question ${tag}`);
  expect(thread.workspaceId).toBe(space.id);
  const offered = await (await alice.request.get(`/api/threads/${thread.id}/link`)).json();
  expect(offered.link).toBeNull();
  expect([...offered.audiences].sort()).toEqual(["signed-in", "workspace"]);

  const link = await share(alice, thread.id, "workspace", 201);
  expect(link).toMatchObject({ audience: "workspace", workspaceId: space.id, available: true });
  const unknown = await openPage(carol, `/s/${randomToken()}`);
  expect(unknown.status).toBe(404);
  expect((await openPage(bob, link.path)).text).toContain(`team question ${tag}`);
  const refused = await openPage(carol, link.path);
  expect(refused.status).toBe(404);
  expect(refused.text).toBe(unknown.text);
  expect(refused.html).not.toContain(`team question ${tag}`);
  expect((await carol.request.post(`${link.path}/continue`)).status()).toBe(404);

  // Continuing copies it into Bob's personal space, whatever space he works in.
  const continued = await bob.request.post(`${link.path}/continue`);
  expect(continued.status()).toBe(201);
  expect((await continued.json()).thread).toMatchObject({ workspaceId: null, own: true, title: `Roadmap ${tag}` });

  // Bob leaves: the link is no longer his to open; back in, it is again.
  await removeMember(space.id, bob.userId);
  expect((await openPage(bob, link.path)).status).toBe(404);
  await addMember(space.id, bob.userId);
  expect((await openPage(bob, link.path)).status).toBe(200);
  // The author is no longer a member: the link is dead for everyone.
  await removeMember(space.id, alice.userId);
  expect((await openPage(bob, link.path)).status).toBe(404);
  for (const client of [alice, bob, carol]) await client.request.dispose();
});

test("an author's ban ends their links at the next request; lifted, the links work again", async ({
  playwright,
  baseURL,
}) => {
  const admin = await apiAdmin(playwright, baseURL!);
  const alice = await apiUser(playwright, baseURL!, "Alice");
  const bob = await apiUser(playwright, baseURL!, "Bob");
  const tag = nonce();
  const thread = await threadWithReply(alice, `Banned author ${tag}`, `words ${tag}`);
  const link = await share(alice, thread.id);
  expect((await openPage(bob, link.path)).status).toBe(200);
  expect(
    (await admin.request.post(`/api/admin/users/${alice.userId}/ban`, { data: { reason: "share" } })).status(),
  ).toBe(200);
  const banned = await openPage(bob, link.path);
  expect(banned.status).toBe(404);
  expect(banned.html).not.toContain(`words ${tag}`);
  expect((await bob.request.post(`${link.path}/continue`)).status()).toBe(404);
  expect((await admin.request.delete(`/api/admin/users/${alice.userId}/ban`)).status()).toBe(200);
  expect((await openPage(bob, link.path)).status).toBe(200);
  for (const client of [admin, alice, bob]) await client.request.dispose();
});

test("/account lists every shared link with Copy, Update and Delete", async ({ browser, baseURL }) => {
  const alice = await browserPerson(browser, baseURL!, "Alice", { permissions: ["clipboard-read", "clipboard-write"] });
  await alice.page.goto("/account");
  const section = alice.page.getByRole("region", { name: "Shared links" });
  await expect(section).toContainText("You have not shared any links.");

  const tag = nonce();
  const first = await threadWithReply(alice, `First ${tag}`, `one ${tag}`);
  const second = await threadWithReply(alice, `Second ${tag}`, `two ${tag}`);
  const firstLink = await share(alice, first.id);
  const secondLink = await share(alice, second.id);
  await alice.page.reload();
  const row = (title: string) => section.getByRole("listitem").filter({ hasText: title });
  await expect(row(`First ${tag}`)).toContainText("Anyone signed in here");
  await expect(row(`Second ${tag}`)).toBeVisible();
  await expect(section).not.toContainText("Not available on this instance right now");

  await row(`First ${tag}`).getByRole("button", { name: "Copy link" }).click();
  await expect
    .poll(() => alice.page.evaluate(() => navigator.clipboard.readText()))
    .toBe(`${baseURL}${firstLink.path}`);

  // Update: the snapshot takes the later turn, under the same link.
  await addTurn(alice, first.id, `later ${tag}`);
  await row(`First ${tag}`).getByRole("button", { name: "Update link" }).click();
  await expect
    .poll(async () => (await (await alice.request.get(`/api/threads/${first.id}/link`)).json()).link.messages)
    .toBe(4);
  expect((await (await alice.request.get(`/api/threads/${first.id}/link`)).json()).link.path).toBe(firstLink.path);

  alice.page.on("dialog", (dialog) => void dialog.accept());
  await row(`Second ${tag}`).getByRole("button", { name: "Delete link" }).click();
  await expect(row(`Second ${tag}`)).toHaveCount(0);
  await expect(row(`First ${tag}`)).toBeVisible();
  expect((await alice.request.get(`/api/threads/${second.id}/link`)).status()).toBe(200);
  expect((await (await alice.request.get(`/api/threads/${second.id}/link`)).json()).link).toBeNull();
  expect((await alice.request.get(secondLink.path)).status()).toBe(404);
  await alice.context.close();
});

test("anyone links: refused while the instance does not allow them; allowed on /admin, a browser without a cookie reads one; off ends every link at once", async ({
  browser,
  playwright,
}) => {
  test.setTimeout(150_000);
  // The instance mode is global: this test has an instance (and database) of its own.
  const app = await startInstance("share-anyone", {}, { freshDatabase: true });
  const contexts: import("@playwright/test").BrowserContext[] = [];
  try {
    const admin = await apiAdmin(playwright, app.url, app.databaseUrl);
    const alice = await browserPerson(browser, app.url, "Alice");
    contexts.push(alice.context);
    const bobEmail = uniqueEmail("bob");
    const bob = await playwright.request.newContext({ baseURL: app.url, extraHTTPHeaders: { origin: app.url } });
    expect(
      (await bob.post("/api/auth/sign-up/email", { data: { name: "Bob", email: bobEmail, password } })).status(),
    ).toBe(200);
    const tag = nonce();
    const open = await threadWithReply(alice, `Open letter ${tag}`, `to everyone ${tag}`);
    const members = await threadWithReply(alice, `Members only ${tag}`, `signed in ${tag}`);

    // Not allowed yet: the API refuses it and the panel does not offer it.
    expect(await (await admin.request.get("/api/admin/share-link-policy")).json()).toEqual({
      mode: "signed-in",
      source: "environment",
    });
    const refused = await alice.request.put(`/api/threads/${open.id}/link`, { data: { audience: "anyone" } });
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error.code).toBe("forbidden");
    expect((await (await alice.request.get(`/api/threads/${open.id}/link`)).json()).audiences).toEqual(["signed-in"]);
    const membersLink = await share(alice, members.id, undefined, 201);

    // The admin allows them on /admin.
    const adminContext = await browser.newContext({
      baseURL: app.url,
      storageState: await admin.request.storageState(),
    });
    contexts.push(adminContext);
    const adminPage = await adminContext.newPage();
    await adminPage.goto("/admin");
    await adminPage.getByRole("combobox", { name: "Share links" }).selectOption({ label: "Anyone with the link" });
    await expect
      .poll(async () => (await (await admin.request.get("/api/admin/share-link-policy")).json()).mode)
      .toBe("anyone");
    expect(await (await admin.request.get("/api/admin/share-link-policy")).json()).toEqual({
      mode: "anyone",
      source: "admin",
    });

    // Alice picks "Anyone with the link" in the panel.
    await alice.page.goto(`/chat/${open.id}`);
    await alice.page.getByRole("button", { name: "Share link" }).click();
    const panel = alice.page
      .getByRole("region", { name: "Share link" })
      .or(alice.page.getByRole("dialog", { name: "Share link" }));
    const audience = panel.getByRole("combobox", { name: "Who can open it" });
    await expect(audience.locator("option")).toHaveText(["Anyone signed in here", "Anyone with the link"]);
    await audience.selectOption({ label: "Anyone with the link" });
    await expect
      .poll(async () => (await (await alice.request.get(`/api/threads/${open.id}/link`)).json()).link?.audience)
      .toBe("anyone");
    const link = `${app.url}${(await (await alice.request.get(`/api/threads/${open.id}/link`)).json()).link.path}`;
    await expect(panel.getByRole("textbox", { name: "Link" })).toHaveValue(link);

    // A browser with no cookie at all reads it, and is offered to sign in to continue.
    const stranger = await browser.newContext({ baseURL: app.url });
    contexts.push(stranger);
    const strangerPage = await stranger.newPage();
    const opened = await strangerPage.goto(link);
    expect(opened?.status()).toBe(200);
    expectShareHeaders(opened!.headers(), "anyone page");
    await expect(strangerPage.getByRole("heading", { name: `Open letter ${tag}` })).toBeVisible();
    await expect(strangerPage.getByRole("main")).toContainText(`to everyone ${tag}`);
    await expect(strangerPage.getByRole("button", { name: "Continue this conversation" })).toHaveCount(0);
    // Its signed-in sibling is still not for them.
    expect((await stranger.request.get(membersLink.path)).status()).toBe(404);

    // Signing in from there comes back to the link, now with Continue.
    await strangerPage.getByRole("link", { name: "Sign in to continue this conversation" }).click();
    await expect(strangerPage).toHaveURL(/\/sign-in/);
    await strangerPage.getByLabel("Email").fill(bobEmail);
    await strangerPage.getByLabel("Password").fill(password);
    await strangerPage.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect(strangerPage).toHaveURL(link);
    await expect(strangerPage.getByRole("button", { name: "Continue this conversation" })).toBeVisible();

    // Off: every link ends at once, and none can be made.
    const anonymous = await playwright.request.newContext({ baseURL: app.url });
    expect((await anonymous.get(new URL(link).pathname)).status()).toBe(200);
    const off = await admin.request.put("/api/admin/share-link-policy", { data: { mode: "off" } });
    expect(off.status()).toBe(200);
    expect(await off.json()).toEqual({ mode: "off", source: "admin" });
    expect((await anonymous.get(new URL(link).pathname)).status()).toBe(404);
    expect((await bob.get(membersLink.path)).status()).toBe(404);
    expect((await bob.get(new URL(link).pathname)).status()).toBe(404);
    const whileOff = await alice.request.put(`/api/threads/${members.id}/link`);
    expect(whileOff.status()).toBe(403);
    expect((await alice.request.get(`/api/threads/${members.id}/link`)).status()).toBe(200);
    await alice.page.goto(`/chat/${open.id}`);
    await expect(chatPage(alice.page).userMessages.first()).toBeVisible();
    await expect(alice.page.getByRole("button", { name: "Share link" })).toHaveCount(0);

    // Back to signed-in (the environment's mode): the anyone link is suspended, not deleted.
    const reset = await admin.request.put("/api/admin/share-link-policy", { data: { mode: null } });
    expect(await reset.json()).toEqual({ mode: "signed-in", source: "environment" });
    expect((await bob.get(membersLink.path)).status()).toBe(200);
    expect((await anonymous.get(new URL(link).pathname)).status()).toBe(404);
    expect((await bob.get(new URL(link).pathname)).status()).toBe(404);
    const listed = (await (await alice.request.get("/api/share-links")).json()).links as ShareLinkJson[];
    expect(Object.fromEntries(listed.map((l) => [l.audience, l.available]))).toEqual({
      anyone: false,
      "signed-in": true,
    });
    expect((await admin.request.put("/api/admin/share-link-policy", { data: { mode: "anyone" } })).status()).toBe(200);
    expect((await anonymous.get(new URL(link).pathname)).status()).toBe(200);

    // The admins' view: counts per person and audience, never a title.
    const overview = await admin.request.get("/api/admin/share-links");
    const overviewText = await overview.text();
    expect(JSON.parse(overviewText)).toMatchObject({
      total: 2,
      byAudience: { "signed-in": 1, workspace: 0, anyone: 1 },
      people: [expect.objectContaining({ userId: alice.userId, total: 2 })],
    });
    for (const secret of [`Open letter ${tag}`, `Members only ${tag}`, tokenOf({ path: new URL(link).pathname })])
      expect(overviewText).not.toContain(secret);

    // On /admin: Alice's links, one deleted for abuse (audited), and never a title or token on the page.
    await adminPage.goto("/admin");
    await adminPage.getByRole("button", { name: "Show links of Alice" }).click();
    const found = adminPage.getByRole("table", { name: "Found links" });
    await expect(found.getByRole("row")).toHaveCount(3);
    adminPage.once("dialog", (dialog) => void dialog.accept());
    await found.getByRole("row").filter({ hasText: "Anyone" }).getByRole("button", { name: "Delete link" }).click();
    await expect(adminPage.getByRole("status").filter({ hasText: "Link deleted." })).toBeVisible();
    expect((await anonymous.get(new URL(link).pathname)).status()).toBe(404);
    expect((await bob.get(membersLink.path)).status()).toBe(200);
    const adminHtml = await adminPage.content();
    for (const secret of [`Open letter ${tag}`, `Members only ${tag}`, tokenOf({ path: new URL(link).pathname })])
      expect(adminHtml).not.toContain(secret);
    const audited = await admin.request.get("/api/admin/audit?action=share_link_deleted");
    const events = ((await audited.json()) as { events: { detail: Record<string, unknown> }[] }).events;
    expect(events).toEqual([expect.objectContaining({ detail: expect.objectContaining({ by: "admin" }) })]);
    for (const client of [admin.request, bob, anonymous]) await client.dispose();
  } finally {
    for (const context of contexts) await context.close();
    await app.stop();
  }
});

test("opening links is limited per client address, whatever address headers a client forges", async () => {
  const app = await startInstance(
    "share-view-limit",
    { SHARE_VIEW_RATE_LIMIT_PER_MINUTE: "3" },
    { freshDatabase: true },
  );
  try {
    const { forgedAddressHeaders } = await import("./helpers");
    const statuses: number[] = [];
    // 3 a minute: 8 requests hold a 429 even if a new minute starts half-way.
    for (let i = 0; i < 8; i++) {
      const response = await fetch(`${app.url}/s/${randomToken()}`, { headers: forgedAddressHeaders[i] });
      statuses.push(response.status);
      if (response.status === 429) {
        expect(Number(response.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
        expect(response.headers.get("cache-control")).toContain("no-store");
      }
      await response.arrayBuffer();
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(2);
    expect(statuses.every((s) => s === 404 || s === 429)).toBe(true);
  } finally {
    await app.stop();
  }
});
