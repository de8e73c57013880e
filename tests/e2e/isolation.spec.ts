import { expect, test, type Page } from "@playwright/test";
import { chatPage } from "./chat-page";
import { chatBody, listThreads, password, signIn, signUp } from "./helpers";
import { withDb } from "./db";

async function startThread(page: Page, text: string) {
  const chat = chatPage(page);
  await chat.threadList.getByRole("button", { name: "New thread" }).click();
  await chat.send(text);
  await expect(chat.lastReply).toContainText("— done.");
  await expect(chat.threadList.getByText(`Title: ${text}`)).toBeVisible();
}

test("two users never see, change or chat in each other's threads", async ({ browser }) => {
  const contextA = await browser.newContext();
  const contextB = await browser.newContext();
  const a = await contextA.newPage();
  const b = await contextB.newPage();
  const emailA = await signUp(a, "Alice");
  const emailB = await signUp(b, "Bob");
  await startThread(a, "Alice secret recipe");
  await startThread(a, "Alice travel notes");
  await startThread(b, "Bob budget sheet");

  const listA = await listThreads(a.request);
  const listB = await listThreads(b.request);
  expect(listA.map((t) => t.title).sort()).toEqual(["Title: Alice secret recipe", "Title: Alice travel notes"]);
  expect(listB.map((t) => t.title)).toEqual(["Title: Bob budget sheet"]);
  await expect(chatPage(b).threadList.getByText(/Alice/)).toHaveCount(0);

  const target = listA[0].id;
  const snapshot = async () => ({
    thread: await (await a.request.get(`/api/threads/${target}`)).json(),
    messages: await (await a.request.get(`/api/threads/${target}/messages`)).json(),
  });
  const before = await snapshot();

  const attempts = [
    b.request.get(`/api/threads/${target}`),
    b.request.get(`/api/threads/${target}/messages`),
    b.request.patch(`/api/threads/${target}`, { data: { title: "hijacked" } }),
    b.request.patch(`/api/threads/${target}`, { data: { status: "archived" } }),
    b.request.delete(`/api/threads/${target}`),
    b.request.post(`/api/threads/${target}/title`),
    b.request.post(`/api/threads/${target}/messages`, {
      data: {
        id: "evil",
        parentId: null,
        format: "ai-sdk/v6",
        content: { role: "user", parts: [{ type: "text", text: "evil" }] },
      },
    }),
    b.request.post("/api/chat", { data: chatBody(target, "let me in") }),
  ];
  const missing = await b.request.get("/api/threads/00000000-0000-4000-8000-000000000000");
  const missingBody = await missing.json();
  for (const response of await Promise.all(attempts)) {
    expect(response.status(), response.url()).toBe(404);
    // Exactly the answer a thread that does not exist gets (each with its own request id).
    expect(await response.json()).toEqual({
      error: { ...missingBody.error, requestId: response.headers()["x-request-id"] },
    });
  }
  expect(await snapshot()).toEqual(before);

  // A signs out; B signs in in the same browser context. A's titles must never be rendered.
  const seenTexts: string[] = [];
  let phase: "alice" | "bob" = "alice";
  await a.exposeFunction("__recordThreads", (text: string) => {
    if (phase === "bob") seenTexts.push(text);
  });
  await a.addInitScript(() => {
    const record = () => {
      const nav = document.querySelector('nav[aria-label="Threads"]');
      if (nav) (window as unknown as { __recordThreads: (t: string) => void }).__recordThreads(nav.textContent ?? "");
    };
    new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true });
  });
  await a.getByRole("button", { name: "Sign out" }).click();
  await expect(a).toHaveURL(/\/sign-in/);
  phase = "bob";
  await signIn(a, emailB, password);
  await expect(chatPage(a).threadList.getByText("Title: Bob budget sheet")).toBeVisible();
  await a.waitForTimeout(500);
  expect(seenTexts.length).toBeGreaterThan(0);
  expect(seenTexts.filter((t) => t.includes("Alice"))).toEqual([]);
  expect(emailA).not.toBe(emailB);

  await contextA.close();
  await contextB.close();
});

/**
 * Everything a person's browser ever shows in its thread sidebar, with the space its header names
 * at that moment: recorded on every change of the page, in this document and in any loaded later.
 */
async function recordSidebar(page: Page): Promise<{ space: string; sidebar: string }[]> {
  const seen: { space: string; sidebar: string }[] = [];
  await page.exposeFunction("__recordSidebar", (space: string, sidebar: string) => seen.push({ space, sidebar }));
  const watch = () => {
    const record = () => {
      const space = document.querySelector('[data-testid="current-space"]')?.textContent ?? "";
      const sidebar = document.querySelector('nav[aria-label="Threads"]')?.textContent ?? "";
      (window as unknown as { __recordSidebar: (a: string, b: string) => void }).__recordSidebar(space, sidebar);
    };
    new MutationObserver(record).observe(document, { subtree: true, childList: true, characterData: true });
  };
  await page.addInitScript(watch);
  await page.evaluate(watch);
  return seen;
}

test("three people and workspaces: a private workspace thread stays its author's until shared, shared is read-only and copyable, unshared is gone, another workspace sees nothing", async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const people = async (name: string) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    return { context, page, chat: chatPage(page), email: await signUp(page, name) };
  };
  const [alice, bob, carol] = [await people("Alice"), await people("Bob"), await people("Carol")];
  const switcher = (page: Page) => page.getByRole("combobox", { name: "Workspace" });
  const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const createWorkspace = async (person: typeof alice, name: string) => {
    await switcher(person.page).selectOption({ label: "New workspace" });
    await person.page.getByLabel("Name").fill(name);
    await person.page.getByRole("button", { name: "Create workspace" }).click();
    await expect(person.page).toHaveURL(/\/w\/[a-z0-9-]+$/);
    return new URL(person.page.url()).pathname;
  };
  const bobSaw = await recordSidebar(bob.page);
  const carolSaw = await recordSidebar(carol.page);

  // Alice's workspace, her private thread in it, and Bob invited from the settings page.
  const team = await createWorkspace(alice, `Team ${tag}`);
  const secret = `Alice private plan ${tag}`;
  await alice.chat.send(secret);
  await expect(alice.chat.threadList.getByText(`Title: ${secret}`)).toBeVisible();
  const address = new URL(alice.page.url()).pathname;
  expect(address).toMatch(new RegExp(`^${team}/chat/[0-9a-f-]{36}$`));
  const threadId = alice.chat.threadId();
  await switcher(alice.page).selectOption({ label: "Workspace settings" });
  await alice.page.getByLabel("Email").fill(bob.email);
  await alice.page.getByRole("button", { name: "Invite" }).click();
  const link = await alice.page.getByRole("textbox", { name: "Invitation link" }).inputValue();

  // Carol has a workspace of her own.
  await createWorkspace(carol, `Elsewhere ${tag}`);
  await carol.chat.send("Carol's own work");
  await expect(carol.chat.threadList.getByText("Title: Carol's own work")).toBeVisible();

  // Bob confirms his address (as the mailed link does) and accepts.
  await withDb((c) => c.query(`update "user" set email_verified = true where email = $1`, [bob.email.toLowerCase()]));
  await bob.page.goto(link);
  await bob.page.getByRole("button", { name: "Accept invitation" }).click();
  await expect(bob.page).toHaveURL(new RegExp(`${team}$`));
  await expect(bob.chat.threadList.getByText("No threads yet.")).toBeVisible();
  await bob.chat.send("Bob's notes");
  await expect(bob.chat.threadList.getByText("Title: Bob's notes")).toBeVisible();
  const shared = bob.page.getByRole("region", { name: "Shared", exact: true });
  await expect(shared).toContainText("Nothing shared with you yet.");
  const asBob = () => bob.page.request.get(`/api/threads/${threadId}`);
  expect((await asBob()).status()).toBe(404);
  expect((await bob.page.goto(address))?.status()).toBe(404);

  // Until Alice shares it, nothing of her thread was ever in Bob's sidebar.
  expect(bobSaw.length).toBeGreaterThan(0);
  expect(bobSaw.filter((s) => s.sidebar.includes(secret))).toEqual([]);

  // Shared: Bob reads it (read-only) and continues it as his own copy.
  await alice.page.goto(address);
  await alice.page.getByRole("button", { name: "Share with workspace" }).click();
  await expect(alice.page.getByRole("button", { name: "Stop sharing" })).toBeVisible();
  await bob.page.goto(team);
  await shared.getByRole("button", { name: new RegExp(secret) }).click();
  await expect(bob.page).toHaveURL(address);
  await expect(bob.page.getByText("Shared by Alice")).toBeVisible();
  await expect(bob.chat.userMessages).toContainText(secret);
  await expect(bob.chat.messageBox).toHaveCount(0);
  await bob.page.getByRole("button", { name: "Continue as my own copy" }).click();
  await expect(bob.page).not.toHaveURL(address);
  await expect(bob.page).toHaveURL(new RegExp(`^[^?]*${team}/chat/[0-9a-f-]{36}$`));
  await expect(bob.chat.userMessages).toContainText(secret);
  await bob.chat.send("Bob takes it on");
  await expect(bob.chat.lastReply).toContainText("Bob takes it on — done.");
  const copyId = bob.chat.threadId();

  // Unshared: Bob's very next request is a 404, his copy stays his.
  await alice.page.getByRole("button", { name: "Stop sharing" }).click();
  await expect(alice.page.getByRole("button", { name: "Share with workspace" })).toBeVisible();
  expect((await asBob()).status()).toBe(404);
  expect((await bob.page.goto(address))?.status()).toBe(404);
  await expect(bob.page.getByRole("heading", { name: "Not found" })).toBeVisible();
  expect((await bob.page.request.get(`/api/threads/${copyId}`)).status()).toBe(200);

  // Bob switches between his spaces: the list is always the named space's, never a flash of the other.
  await bob.page.goto(team);
  for (let round = 0; round < 2; round++) {
    await switcher(bob.page).selectOption({ label: "Personal" });
    await expect(bob.page.getByTestId("current-space")).toHaveText("Personal");
    await expect(bob.chat.threadList.getByText("No threads yet.")).toBeVisible();
    await switcher(bob.page).selectOption({ label: `Team ${tag}` });
    await expect(bob.chat.threadList.getByText("Title: Bob's notes")).toBeVisible();
  }
  const inPersonal = bobSaw.filter((s) => s.space === "Personal");
  expect(inPersonal.length).toBeGreaterThan(0);
  expect(inPersonal.filter((s) => s.sidebar.includes("Bob's notes") || s.sidebar.includes(secret))).toEqual([]);

  // Carol, in another workspace, never saw any of it, and cannot reach it.
  for (const path of [team, address, `${team}/settings`])
    expect((await carol.page.goto(path))?.status(), path).toBe(404);
  expect((await carol.page.request.get(`/api/threads/${threadId}`)).status()).toBe(404);
  expect((await carol.page.request.get(`/api/threads/${copyId}`)).status()).toBe(404);
  expect(carolSaw.length).toBeGreaterThan(0);
  expect(carolSaw.filter((s) => s.sidebar.includes(secret) || s.sidebar.includes("Bob"))).toEqual([]);

  for (const person of [alice, bob, carol]) await person.context.close();
});
