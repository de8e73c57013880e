import { expect, test } from "@playwright/test";
import { chatPage } from "./chat-page";
import { chatBody, listThreads, modelRequests, signUp } from "./helpers";

test("chat: a streamed reply, a titled thread, and both still there after a reload", async ({ page }) => {
  const chat = chatPage(page);
  await signUp(page, "Chatter");
  await chat.send("Hello from the browser");
  const reply = chat.lastReply;
  await expect(reply).toContainText("Fake model says: Hello from the browser — done.");
  await expect(chat.threadList.getByText("Title: Hello from the browser")).toBeVisible();

  // The server's copy and the browser's settled copy of the reply are one row, marked complete.
  const [thread] = await listThreads(page.request);
  const { messages } = await (await page.request.get(`/api/threads/${thread.id}/messages`)).json();
  expect(messages.map((m: { content: { role: string }; status: string }) => [m.content.role, m.status])).toEqual([
    ["user", "complete"],
    ["assistant", "complete"],
  ]);
  expect(messages[1].parentId).toBe(messages[0].id);

  await page.reload();
  await expect(chat.threadList.getByText("Title: Hello from the browser")).toBeVisible();
  await chat.threadList.getByText("Title: Hello from the browser").click();
  await expect(chat.userMessages).toContainText("Hello from the browser");
  await expect(chat.replies).toContainText("Fake model says: Hello from the browser — done.");
});

test("threads: rename, archive, unarchive and delete survive a reload", async ({ page }) => {
  const chat = chatPage(page);
  await signUp(page, "Organizer");
  await chat.send("Organize my week");
  const title = "Title: Organize my week";
  await expect(chat.threadList.getByText(title)).toBeVisible();

  await chat.threadList.getByRole("button", { name: `Rename ${title}` }).click();
  const input = chat.threadList.getByRole("textbox", { name: "Thread title" });
  await input.fill("Weekly plan");
  await input.press("Enter");
  await expect(chat.threadList.getByText("Weekly plan")).toBeVisible();
  await page.reload();
  await expect(chat.threadList.getByText("Weekly plan")).toBeVisible();

  await chat.threadList.getByRole("button", { name: "Archive Weekly plan" }).click();
  await expect(chat.threadList.getByText("Weekly plan")).toHaveCount(0);
  await page.reload();
  await expect(chat.threadList.getByText("Weekly plan")).toHaveCount(0);
  await chat.threadList.getByRole("button", { name: "Archived" }).click();
  await expect(chat.threadList.getByText("Weekly plan")).toBeVisible();

  await chat.threadList.getByRole("button", { name: "Unarchive Weekly plan" }).click();
  await chat.threadList.getByRole("button", { name: "Chats" }).click();
  await expect(chat.threadList.getByText("Weekly plan")).toBeVisible();
  await page.reload();
  await expect(chat.threadList.getByText("Weekly plan")).toBeVisible();

  await chat.threadList.getByRole("button", { name: "Delete Weekly plan" }).click();
  await chat.threadList.getByRole("button", { name: "Cancel" }).click();
  await expect(chat.threadList.getByText("Weekly plan")).toBeVisible();
  await chat.threadList.getByRole("button", { name: "Delete Weekly plan" }).click();
  await chat.threadList.getByRole("button", { name: "Confirm delete" }).click();
  await expect(chat.threadList.getByText("Weekly plan")).toHaveCount(0);
  await page.reload();
  await expect(chat.messageBox).toBeVisible();
  await expect(chat.threadList.getByText("Weekly plan")).toHaveCount(0);
});

test("Stop keeps the partial reply the user saw, also after a reload", async ({ page }) => {
  const chat = chatPage(page);
  await signUp(page, "Stopper");
  // Five minutes of reply unless stopped, so a busy machine cannot let it end before Stop lands.
  await chat.send("please stop me [tokens=3000] [delay=100]");
  const reply = chat.lastReply;
  await expect(reply).toContainText("t3 ");
  await chat.stopButton.click();
  await expect(chat.sendButton).toBeVisible();
  const shown = (await reply.innerText()).trim();
  expect(shown).not.toContain("t3000");

  // Longer than the server takes to stop the model and store its own copy, so a late server write would show up.
  await page.waitForTimeout(4500);
  await page.reload();
  await chat.threadList.getByText(/please stop me/).click();
  const stored = chat.lastReply;
  await expect(stored).toContainText("t3 ");
  expect((await stored.innerText()).trim()).toBe(shown);
});

test("Retry adds a branch and both replies survive a reload", async ({ page }) => {
  const chat = chatPage(page);
  await signUp(page, "Brancher");
  await chat.send("Branch this");
  await expect(chat.replies).toContainText("— done.");
  await page.getByRole("button", { name: "Retry", exact: true }).click();
  await expect(page.getByText("2 / 2")).toBeVisible();
  await page.reload();
  await chat.threadList.getByText(/Branch this/).click();
  await expect(chat.replies).toContainText("— done.");
  await expect(page.getByText("2 / 2")).toBeVisible();
  await page.getByRole("button", { name: "Previous branch" }).click();
  await expect(page.getByText("1 / 2")).toBeVisible();
});

test("Edit sends the changed message as a branch with its own reply; both survive a reload", async ({ page }) => {
  const chat = chatPage(page);
  await signUp(page, "Editor");
  await chat.send("First wording");
  await expect(chat.replies).toContainText("Fake model says: First wording — done.");
  await chat.userMessages.hover();
  await page.getByRole("button", { name: "Edit", exact: true }).click();
  await page.getByRole("textbox", { name: "Edit message" }).fill("Second wording");
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(chat.replies).toContainText("Fake model says: Second wording — done.");
  await expect(page.getByText("2 / 2")).toBeVisible();

  await page.reload();
  await chat.threadList.getByText(/First wording/).click();
  await expect(chat.userMessages).toContainText("Second wording");
  await page.getByRole("button", { name: "Previous branch" }).click();
  await expect(chat.userMessages).toContainText("First wording");
  await expect(chat.replies).toContainText("Fake model says: First wording — done.");
});

test("model errors show in the thread and the next message works", async ({ page }) => {
  const chat = chatPage(page);
  await signUp(page, "Unlucky");
  await chat.send("[fail-500] break please");
  await expect(page.getByRole("alert").filter({ hasText: /model could not answer|fake failure|error/i })).toBeVisible();
  await chat.send("Try again");
  await expect(chat.lastReply).toContainText("Fake model says: Try again — done.");
});

test("reply Markdown shows images from this app only; an image from elsewhere is a link and is never loaded", async ({
  page,
}) => {
  const chat = chatPage(page);
  await signUp(page, "Pictures");
  const outside: string[] = [];
  page.on("request", (r) => {
    if (!r.url().startsWith(new URL(page.url()).origin)) outside.push(r.url());
  });
  await chat.send("![leak](https://example.com/pixel.png?q=secret) and ![own](/favicon.ico)");
  const reply = chat.lastReply;
  await expect(reply).toContainText("— done.");
  await expect(reply.getByRole("link", { name: "leak" })).toHaveAttribute(
    "href",
    "https://example.com/pixel.png?q=secret",
  );
  await expect(reply.locator("img")).toHaveCount(1);
  await expect(reply.locator("img")).toHaveAttribute("src", "/favicon.ico");
  expect(outside).toEqual([]);
  const csp = (await page.request.get("/")).headers()["content-security-policy"];
  expect(csp).toContain("img-src 'self' data: blob:;");
});

test("model picker: the choice goes to the model, is stored per thread, and only offered models are accepted", async ({
  page,
}) => {
  const chat = chatPage(page);
  await signUp(page, "Picker");
  const marker = `pick-${Date.now()}`;
  await page.getByLabel("Model", { exact: true }).selectOption("fake-model-mini");
  await chat.send(`Which model ${marker}`);
  await expect(chat.lastReply).toContainText("— done.");
  const seen = (await modelRequests()).filter((r) => r.includes(marker));
  expect(seen.filter((r) => !r.includes(" title]"))).toEqual([`[fake-model-mini] Which model ${marker}`]);
  // Titles come from the title model (the default here), whatever the thread's model.
  expect(seen.filter((r) => r.includes(" title]"))).toEqual([`[fake-model title] Which model ${marker}`]);

  const [thread] = await listThreads(page.request);
  expect(thread.model).toBe("fake-model-mini");

  // A new thread starts from the default; the saved one shows its own model again.
  await chat.threadList.getByRole("button", { name: "New thread" }).click();
  await page.reload();
  await expect(page.getByLabel("Model", { exact: true })).toHaveValue("fake-model");
  await chat.threadList.getByText(/Which model/).click();
  await expect(page.getByLabel("Model", { exact: true })).toHaveValue("fake-model-mini");

  for (const response of [
    await page.request.patch(`/api/threads/${thread.id}`, { data: { model: "gpt-evil" } }),
    await page.request.post("/api/threads", { data: { model: "gpt-evil" } }),
    await page.request.post("/api/chat", { data: { ...chatBody(thread.id, "x"), model: "gpt-evil" } }),
  ]) {
    expect(response.status()).toBe(400);
    expect((await response.json()).error.message).toMatch(/not one of the offered models/);
  }
});

test("model picker: a new thread keeps the model picked for it once its first message saves it", async ({ page }) => {
  const chat = chatPage(page);
  await signUp(page, "Modelkeeper");
  // The chat request held back a moment: the new thread exists (and could be read back) before the
  // server stores its model with the first message.
  await page.route("**/api/chat", async (route) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await route.fallback();
  });
  const picker = page.getByLabel("Model", { exact: true });
  await picker.selectOption("fake-model-mini");
  await chat.send(`Keep my model ${Date.now()}`);
  await expect(chat.lastReply).toContainText("— done.");
  await expect(picker).toHaveValue("fake-model-mini");

  const marker = `second-${Date.now()}`;
  await chat.send(`Again ${marker}`);
  await expect(chat.lastReply).toContainText(`Again ${marker} — done.`);
  expect((await modelRequests()).filter((r) => r.includes(marker) && !r.includes(" title]"))).toEqual([
    `[fake-model-mini] Again ${marker}`,
  ]);
});

test("search: Ctrl+K, matches in titles and messages highlighted, opening a result shows the thread", async ({
  page,
}) => {
  const chat = chatPage(page);
  await signUp(page, "Searcher");
  await chat.send("Tell me about volcanic islands");
  await expect(chat.lastReply).toContainText("— done.");
  await chat.threadList.getByRole("button", { name: "New thread" }).click();
  await chat.send("Something about <b>tea</b> instead");
  await expect(chat.lastReply).toContainText("— done.");

  await page.keyboard.press("Control+k");
  await expect(page.getByRole("searchbox", { name: "Search threads" })).toBeFocused();
  await page.keyboard.type("volcan");
  const results = page.getByRole("list", { name: "Search results" });
  await expect(results.getByRole("listitem")).toHaveCount(1);
  await expect(results.locator("mark").first()).toHaveText(/volcanic/i);
  await results.getByRole("button").click();
  await expect(chat.userMessages).toContainText("Tell me about volcanic islands");
  await expect(page.getByRole("searchbox", { name: "Search threads" })).toHaveValue("");

  await page.getByRole("searchbox", { name: "Search threads" }).fill("tea");
  await expect(results.getByRole("listitem")).toHaveCount(1);
  await expect(results).toContainText("<b>");
  expect(await results.locator("b").count()).toBe(0);
  await page.getByRole("searchbox", { name: "Search threads" }).fill("nothingmatchesthis");
  await expect(page.getByRole("status").filter({ hasText: "No threads match." })).toBeVisible();
  expect((await page.request.get("/api/search?q=")).status()).toBe(400);
});

test("keyboard: shortcuts for new thread, composer focus and search, listed in a help dialog", async ({ page }) => {
  const chat = chatPage(page);
  await signUp(page, "Keyboardist");
  await chat.send("First thread by keyboard");
  await expect(chat.lastReply).toContainText("— done.");

  await page
    .getByRole("heading", { level: 1 })
    .or(page.locator("main"))
    .first()
    .click({ position: { x: 5, y: 5 } });
  await page.keyboard.press("Shift+?");
  const dialog = page.getByRole("dialog", { name: "Keyboard shortcuts" });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText("New thread");
  await expect(dialog).toContainText("Search threads");
  await expect(dialog).toContainText("Focus the message box");
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();

  await page.keyboard.press("Control+Shift+O");
  await expect(chat.userMessages).toHaveCount(0);
  await expect(chat.messageBox).toBeFocused();

  await page.getByRole("button", { name: "Keyboard shortcuts" }).focus();
  await page.keyboard.press("/");
  await expect(chat.messageBox).toBeFocused();
  await page.keyboard.type("Second thread by keyboard");
  await page.keyboard.press("Enter");
  await expect(chat.lastReply).toContainText("— done.");
  await expect(chat.threadList.getByText(/by keyboard/)).toHaveCount(2);
});
