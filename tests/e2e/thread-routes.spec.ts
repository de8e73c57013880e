import { expect, test, type Page } from "@playwright/test";
import { chatPage } from "./chat-page";
import { apiUser, password, signUp } from "./helpers";
import { uniqueEmail } from "../support/unique-email";

const threadUrl = /\/chat\/[0-9a-f-]{36}$/;

/** Sends `text` and waits for the fake model's whole reply to it. */
async function sendAndAwaitReply(page: Page, text: string) {
  const chat = chatPage(page);
  await chat.send(text);
  await expect(chat.lastReply).toContainText(`Fake model says: ${text} — done.`);
}

test("the first message gives a thread its address (replacing /), a reload keeps it, and its title names the page", async ({
  page,
}) => {
  const chat = chatPage(page);
  await signUp(page, "Addressed");
  await page.goto("/account");
  await page.goto("/");
  await sendAndAwaitReply(page, "Where do I live");
  await expect(page).toHaveURL(threadUrl);
  const address = page.url();
  await expect(page).toHaveTitle("Title: Where do I live");

  await page.reload();
  await expect(page).toHaveURL(address);
  await expect(page).toHaveTitle("Title: Where do I live");
  await expect(chat.userMessages).toContainText("Where do I live");
  await expect(chat.replies).toContainText("Fake model says: Where do I live — done.");
  await expect(chat.threadList.locator("[data-active]")).toContainText("Title: Where do I live");

  // "/" was replaced, not pushed: Back leaves for the page before it.
  await page.goBack();
  await expect(page).toHaveURL(/\/account$/);
});

test("the server renders the thread's messages into the page itself", async ({ page }) => {
  await signUp(page, "Rendered");
  await sendAndAwaitReply(page, "Render me on the server");
  await expect(page).toHaveURL(threadUrl);
  const html = await (await page.request.get(page.url())).text();
  expect(html).toContain("Render me on the server");
  expect(html).toContain("Fake model says: Render me on the server — done.");
});

test("Back and Forward move between the threads visited, and the list marks the open one", async ({ page }) => {
  const chat = chatPage(page);
  await signUp(page, "Traveller");
  await sendAndAwaitReply(page, "First stop");
  const first = page.url();
  await chat.threadList.getByRole("button", { name: "New thread" }).click();
  await expect(page).toHaveURL(/\/$/);
  await sendAndAwaitReply(page, "Second stop");
  await expect(page).toHaveURL(threadUrl);
  const second = page.url();
  expect(second).not.toBe(first);

  await chat.threadList.getByText("Title: First stop").click();
  await expect(page).toHaveURL(first);
  await expect(chat.userMessages).toContainText("First stop");
  await expect(chat.threadList.locator("[data-active]")).toContainText("Title: First stop");

  await page.goBack();
  await expect(page).toHaveURL(second);
  await expect(chat.userMessages).toContainText("Second stop");
  await expect(chat.threadList.locator("[data-active]")).toContainText("Title: Second stop");

  await page.goForward();
  await expect(page).toHaveURL(first);
  await expect(chat.userMessages).toContainText("First stop");
  await expect(chat.threadList.getByRole("heading", { name: "Today" })).toBeVisible();
});

test("a missing, someone else's or malformed thread id gets the same 404 page, with a way to start a new thread", async ({
  page,
  playwright,
  baseURL,
}) => {
  const chat = chatPage(page);
  const other = await apiUser(playwright, baseURL!, "Owner");
  const theirs = await (await other.request.post("/api/threads", { data: { title: "Private plans" } })).json();
  await signUp(page, "Snoop");

  const bodies: string[] = [];
  for (const id of [theirs.id, "00000000-0000-4000-8000-000000000000", "not-a-thread", "%27%20OR%201%3D1"]) {
    const response = await page.goto(`/chat/${id}`);
    expect(response?.status(), id).toBe(404);
    await expect(page.getByRole("heading", { name: "Not found" })).toBeVisible();
    bodies.push(await page.locator("body").innerText());
  }
  expect(new Set(bodies).size).toBe(1);
  expect(bodies[0]).not.toContain("Private plans");
  await page.getByRole("link", { name: "Start a new thread" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(chat.messageBox).toBeVisible();
});

test("signed out, a thread's address goes to sign-in and comes back to it", async ({ page }) => {
  const chat = chatPage(page);
  const email = await signUp(page, "Returner");
  await sendAndAwaitReply(page, "Bring me back");
  await expect(page).toHaveURL(threadUrl);
  const path = new URL(page.url()).pathname;
  await page.context().clearCookies();
  await page.goto(path);
  await expect(page).toHaveURL(`/sign-in?callbackURL=${path}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(path);
  await expect(chat.userMessages).toContainText("Bring me back");
});

test("an archived thread opens at its address, read-only with Unarchive", async ({ page }) => {
  const chat = chatPage(page);
  await signUp(page, "Archivist");
  await sendAndAwaitReply(page, "Keep this for later");
  const address = page.url();
  await chat.threadList.getByRole("button", { name: "Archive Title: Keep this for later" }).click();
  await page.goto(address);
  await expect(page.getByRole("status").filter({ hasText: "This thread is archived." })).toBeVisible();
  await expect(chat.userMessages).toContainText("Keep this for later");
  await expect(chat.messageBox).toHaveCount(0);
  await page.getByRole("button", { name: "Unarchive" }).first().click();
  await expect(chat.messageBox).toBeVisible();
  await expect(page.getByText("This thread is archived.")).toHaveCount(0);
});

test("a thread deleted in another tab becomes the not-found page there on its next action", async ({
  page,
  context,
}) => {
  const chat = chatPage(page);
  await signUp(page, "Deleter");
  await sendAndAwaitReply(page, "Soon gone");
  const address = page.url();
  const other = await context.newPage();
  const otherChat = chatPage(other);
  await other.goto(address);
  await expect(otherChat.userMessages).toContainText("Soon gone");
  // The live thread, not only the server-rendered copy: a tab still loading would find the thread
  // gone on its own (and show the not-found page before any action of the user's).
  await expect(otherChat.messageBox).toBeEnabled();

  await chat.threadList.getByRole("button", { name: "Delete Title: Soon gone" }).click();
  await chat.threadList.getByRole("button", { name: "Confirm delete" }).click();
  await expect(page).toHaveURL(/\/$/);

  await otherChat.send("Are you still there?");
  await expect(other.getByRole("heading", { name: "Not found" })).toBeVisible();
  expect((await other.request.get(address)).status()).toBe(404);
  await other.close();
});

test("unknown addresses get the same not-found page", async ({ page }) => {
  await signUp(page, "Wanderer", uniqueEmail("wanderer"));
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("link", { name: "Start a new thread" })).toBeVisible();
});
