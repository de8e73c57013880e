import { expect, test, type Page } from "@playwright/test";
import { chatPage } from "./chat-page";
import { signUp } from "./helpers";
import { uniqueEmail } from "../support/unique-email";

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true, isMobile: true });

const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

test("at 390 px nothing scrolls sideways, and the thread list is a drawer behind Threads", async ({ page }) => {
  const chat = chatPage(page);
  await page.goto("/sign-up");
  expect(await overflow(page), "/sign-up").toBeLessThanOrEqual(0);
  await page.goto("/sign-in");
  expect(await overflow(page), "/sign-in").toBeLessThanOrEqual(0);
  await signUp(page, "Phone user with a rather long name for a small screen", uniqueEmail("phone"));
  expect(await overflow(page), "/").toBeLessThanOrEqual(0);

  await chat.send("Hello from a phone");
  await expect(chat.lastReply).toContainText("Fake model says: Hello from a phone — done.");
  await expect(page).toHaveURL(/\/chat\//);
  const threadAddress = page.url();
  expect(await overflow(page), "/chat/:id").toBeLessThanOrEqual(0);

  // The header's actions are in a menu.
  const account = page.getByRole("link", { name: "Account" });
  await expect(account).toBeHidden();
  await page.getByRole("button", { name: "Menu" }).tap();
  await expect(account).toBeVisible();
  expect(await overflow(page), "menu open").toBeLessThanOrEqual(0);
  await page.getByRole("button", { name: "Menu" }).tap();

  // The drawer: a touch-sized "Threads" button opens it; picking a thread closes it.
  const drawerButton = page.getByRole("button", { name: "Threads" });
  const box = (await drawerButton.boundingBox())!;
  expect(box.width).toBeGreaterThanOrEqual(44);
  expect(box.height).toBeGreaterThanOrEqual(44);
  const drawer = chat.threadList;
  await expect(drawer).toBeHidden();
  await drawerButton.tap();
  await expect(drawer).toBeVisible();
  await drawer.getByRole("button", { name: "New thread" }).tap();
  await expect(drawer).toBeHidden();
  await expect(page).toHaveURL(/\/$/);
  await drawerButton.tap();
  const item = drawer.getByText("Title: Hello from a phone");
  expect((await item.boundingBox())!.height).toBeGreaterThanOrEqual(44);
  await item.tap();
  await expect(drawer).toBeHidden();
  await expect(page).toHaveURL(threadAddress);

  // Search results fit too.
  await drawerButton.tap();
  await drawer.getByRole("searchbox", { name: "Search threads" }).fill("phone");
  await expect(drawer.getByRole("list", { name: "Search results" })).toBeVisible();
  expect(await overflow(page), "search results").toBeLessThanOrEqual(0);

  await page.goto("/account");
  await expect(page.getByRole("heading", { name: "Account" }).first()).toBeVisible();
  expect(await overflow(page), "/account").toBeLessThanOrEqual(0);
});
