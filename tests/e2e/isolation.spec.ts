import { expect, test, type Page } from "@playwright/test";
import { chatPage } from "./chat-page";
import { chatBody, listThreads, password, signIn, signUp } from "./helpers";

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
