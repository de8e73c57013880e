import { expect, test, type Page } from "@playwright/test";
import { chatPage } from "./chat-page";
import { withDb } from "./db";
import { signUp } from "./helpers";
import { seedLongThread } from "../../bench/long-thread";

/** A thread of `messages` messages (bench/long-thread.ts: "Message i: marki x …") for the user signed up as `email`. */
async function seedThread(email: string, messages: number): Promise<string> {
  const userId = await withDb(
    async (client) => (await client.query(`select id from "user" where email = $1`, [email])).rows[0].id as string,
  );
  return seedLongThread(process.env.E2E_DATABASE_URL!, userId, messages, "A long thread");
}

type SeenRequest = { method(): string; url(): string };
const isChat = (r: SeenRequest) => r.method() === "POST" && new URL(r.url()).pathname === "/api/chat";
/** A thread's messages (GET: the whole thread read; POST: a settled message's copy). */
const isThreadMessages = (url: URL) => /^\/api\/threads\/[^/]+\/messages$/.test(url.pathname);

/** The stored parents of the thread's user messages whose text has `fragment`. */
function storedParentsOfUserMessage(threadId: string, fragment: string) {
  return withDb(async (client) =>
    (
      await client.query(
        `select parent_id from message where thread_id = $1 and role = 'user' and content::text like '%' || $2 || '%'`,
        [threadId, fragment],
      )
    ).rows.map((r) => r.parent_id as string),
  );
}

/** Scrolls the thread's viewport to its top, again as older messages come, until message `text` is the first one. */
async function scrollToFirst(page: Page, text: string) {
  const viewport = page.locator("[data-thread-viewport]");
  const first = page.locator("[data-role]").first();
  await expect(async () => {
    await viewport.evaluate((el) => el.scrollTo({ top: 0 }));
    await expect(first).toContainText(text, { timeout: 500 });
  }).toPass({ timeout: 90_000 });
  // The last step kept the reader's place (the message that was first): one more scroll to the top.
  await viewport.evaluate((el) => el.scrollTo({ top: 0 }));
  return first;
}

test("a 500-message thread opens at its last message, live, and scrolls back to its first", async ({ page }) => {
  test.setTimeout(150_000);
  const chat = chatPage(page);
  const email = await signUp(page, "Longreader");
  const threadId = await seedThread(email, 500);

  await page.goto(`/chat/${threadId}`);
  const last = page.locator("[data-role]").last();
  await expect(last).toContainText("Message 500:");
  await expect(last).toBeInViewport();
  // Live: the composer takes text and the last message has its actions.
  await expect(chat.messageBox).toBeEnabled();
  await expect(last.getByRole("button", { name: "Copy" })).toBeAttached();
  await expect(last.getByRole("button", { name: "Retry" })).toBeAttached();
  // Only the newest messages are rendered at first.
  expect(await page.locator("[data-role]").count()).toBeLessThan(500);

  const first = await scrollToFirst(page, "Message 1:");
  await expect(first).toBeInViewport();
  await expect(page.locator("[data-role]")).toHaveCount(500);
  await expect(page.getByRole("button", { name: /Show earlier messages/ })).toHaveCount(0);

  // Longer than a chat request may carry (MAX_MESSAGES_PER_REQUEST, 500), and still continued.
  await chat.send("One more after five hundred");
  await expect(chat.lastReply).toContainText("Fake model says: One more after five hundred — done.");
  await page.reload();
  await expect(page.locator("[data-role]").last()).toContainText("Fake model says: One more after five hundred");
});

test("a search hit in an old message of a long thread opens the thread showing that message", async ({ page }) => {
  const chat = chatPage(page);
  const email = await signUp(page, "Longsearcher");
  const threadId = await seedThread(email, 500);

  // From another thread (a new one), as a person searching would.
  await page.goto("/");
  await expect(chat.messageBox).toBeEnabled();
  await page.getByRole("searchbox", { name: "Search threads" }).fill("mark3x");
  const results = page.getByRole("list", { name: "Search results" });
  await expect(results.getByRole("button")).toHaveCount(1);
  await results.getByRole("button").first().click();

  await expect(page).toHaveURL(new RegExp(`/chat/${threadId}$`));
  const hit = page.locator('[data-message-id="m3"]');
  await expect(hit).toContainText("mark3x");
  await expect(hit).toBeInViewport();
  await expect(hit.getByRole("button", { name: "Edit" })).toBeAttached();

  // The same from the open thread itself, scrolled to its end.
  await page.goto(`/chat/${threadId}`);
  await expect(page.locator("[data-role]").last()).toContainText("Message 500:");
  await expect(chat.messageBox).toBeEnabled();
  await expect(page.locator('[data-message-id="m3"]')).toHaveCount(0);
  await page.getByRole("searchbox", { name: "Search threads" }).fill("mark3x");
  await results.getByRole("button").first().click();
  await expect(page.locator('[data-message-id="m3"]')).toBeInViewport();

  // A hit just above the newest part the opened thread holds: shown as well.
  await page.goto(`/chat/${threadId}`);
  await expect(page.locator("[data-role]").last()).toContainText("Message 500:");
  await expect(chat.messageBox).toBeEnabled();
  await expect(page.locator('[data-message-id="m451"]')).toHaveCount(0);
  await page.getByRole("searchbox", { name: "Search threads" }).fill("mark451x");
  await expect(results.getByRole("button")).toHaveCount(1);
  await results.getByRole("button").first().click();
  await expect(page.locator('[data-message-id="m451"]')).toBeInViewport();
  await expect(page.locator('[data-message-id="m451"]').getByRole("button", { name: "Edit" })).toBeAttached();
});

test("a message sent in a long thread as it opens carries the model's whole context, and an edit stays where it was stored", async ({
  page,
}) => {
  const chat = chatPage(page);
  const email = await signUp(page, "Longsender");
  const threadId = await seedThread(email, 500);
  type ChatBody = { messages: { id: string; role: string }[] };
  // Every copy of a settled message the tab saves must be taken (one naming another parent is refused).
  const refusedCopies: string[] = [];
  page.on("response", (response) => {
    const request = response.request();
    if (request.method() === "POST" && request.url().endsWith("/messages") && response.status() >= 400)
      refusedCopies.push(request.postData() ?? "");
  });

  // Another wording of m481 (the first message the thread opens with), stored under m480 just after it.
  await withDb((client) =>
    client.query(
      `insert into message (thread_id, id, parent_id, role, format, content, status, created_at)
       select thread_id, 'm481b', parent_id, role, format,
              jsonb_set(content, '{parts,0,text}', '"Message 481b: another wording"'), status,
              created_at + interval '0.5 second'
       from message where thread_id = $1 and id = 'm481'`,
      [threadId],
    ),
  );

  await page.goto(`/chat/${threadId}`);
  const last = page.locator("[data-role]").last();
  await expect(last).toContainText("Message 500:");
  await expect(chat.messageBox).toBeEnabled();
  await expect(last.getByRole("button", { name: "Copy" })).toBeAttached();
  // Held with its sibling: its branch picker counts both before the rest of the thread is read.
  await expect(page.locator('[data-message-id="m481"]').getByText("1 / 2")).toBeAttached();

  // The runtime holds the newest messages only: the older ones of the branch are read for the
  // model, which gets the 100 newest, as with the whole thread held.
  const sent = page.waitForRequest(isChat);
  await chat.send("After five hundred");
  const body = (await sent).postDataJSON() as ChatBody;
  expect(body.messages).toHaveLength(100);
  expect(body.messages.slice(0, 99).map((m) => m.id)).toEqual(Array.from({ length: 99 }, (_, i) => `m${402 + i}`));
  expect(body.messages.at(-1)!.role).toBe("user");
  await expect(chat.lastReply).toContainText("Fake model says: After five hundred — done.");

  // An edit of the first message the thread opened with (m481), while the runtime still holds the
  // newest part only (bringing m481 into view would load the rest: held back here). The runtime holds
  // m481 as a first message, the server under m480, and the new version goes there too.
  await page.route(isThreadMessages, (route) => (route.request().method() === "GET" ? undefined : route.fallback()));
  const first = page.locator('[data-message-id="m481"]');
  await first.hover();
  await first.getByRole("button", { name: "Edit", exact: true }).click();
  await page.getByRole("textbox", { name: "Edit message" }).fill("Message 481 reworded");
  const edited = page.waitForRequest(isChat);
  await page.getByRole("button", { name: "Save", exact: true }).click();
  const editBody = (await edited).postDataJSON() as ChatBody;
  expect(editBody.messages).toHaveLength(100);
  expect(editBody.messages.at(-2)!.id).toBe("m480");
  await expect(chat.lastReply).toContainText("Fake model says: Message 481 reworded — done.");
  await expect(page.getByText("3 / 3")).toBeVisible();
  await expect(page.getByRole("button", { name: /Show earlier messages/ })).toBeAttached();
  await page.unroute(isThreadMessages);
  await expect.poll(() => storedParentsOfUserMessage(threadId, "481 reworded")).toEqual(["m480"]);

  expect(refusedCopies).toEqual([]);

  await page.reload();
  const rows = page.locator("[data-role]");
  await expect(rows.last()).toContainText("Fake model says: Message 481 reworded");
  await expect(rows.nth(-2)).toContainText("Message 481 reworded");
  await expect(rows.nth(-3)).toContainText("Message 480:");
});

test("an edit opened while the rest of a long thread is being read is saved where its message is stored", async ({
  page,
}) => {
  const chat = chatPage(page);
  const email = await signUp(page, "Longeditor");
  const threadId = await seedThread(email, 500);
  const isWholeRead = (r: SeenRequest) => r.method() === "GET" && isThreadMessages(new URL(r.url()));

  await page.goto(`/chat/${threadId}`);
  await expect(page.locator("[data-role]").last()).toContainText("Message 500:");
  await expect(chat.messageBox).toBeEnabled();

  // Bringing m481 (the first message the thread opens with) into view reads the rest of the thread:
  // held back until an edit of m481 is open.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(isThreadMessages, async (route) => {
    if (route.request().method() === "GET") await released;
    await route.fallback();
  });
  const wholeRead = page.waitForRequest(isWholeRead);
  const first = page.locator('[data-message-id="m481"]');
  await first.scrollIntoViewIfNeeded();
  await wholeRead;
  await first.hover();
  await first.getByRole("button", { name: "Edit", exact: true }).click();
  await page.getByRole("textbox", { name: "Edit message" }).fill("Message 481 rewritten");
  const wholeReadDone = page.waitForResponse((response) => isWholeRead(response.request()));
  release();
  await wholeReadDone;
  // The page has the whole thread's read in hand; it must not put it in under the open edit.
  await page.waitForTimeout(500);

  const edited = page.waitForRequest(isChat);
  await page.getByRole("button", { name: "Save", exact: true }).click();
  const body = (await edited).postDataJSON() as { messages: { id: string }[] };
  expect(body.messages).toHaveLength(100);
  expect(body.messages.at(-2)!.id).toBe("m480");
  await expect(chat.lastReply).toContainText("Fake model says: Message 481 rewritten — done.");
  await expect.poll(() => storedParentsOfUserMessage(threadId, "481 rewritten")).toEqual(["m480"]);

  // With the edit saved, the rest of the thread loads when asked for, above the new wording.
  await page.unroute(isThreadMessages);
  await page.getByRole("button", { name: /Show earlier messages/ }).click();
  await expect(page.locator('[data-message-id="m480"]')).toBeAttached();
});
