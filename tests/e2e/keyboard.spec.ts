import { expect, test, type Page } from "@playwright/test";
import { chatPage } from "./chat-page";
import { listThreads, password } from "./helpers";
import { uniqueEmail } from "../support/unique-email";

/**
 * The two-user flows of isolation.spec.ts with the keyboard alone: after each page.goto, only
 * Tab, Shift+Tab, Enter, Space, Escape and typed text. Every stop on the way shows where the focus
 * is (an outline or a ring), and each control is found by tabbing to it, as a person who cannot
 * use a mouse finds it.
 */

/** What has the focus, as a screen reader names it (e.g. `button "New thread"`), or "" for none. */
async function focused(page: Page): Promise<string> {
  const active = page.locator("*:focus");
  if ((await active.count()) === 0) return "";
  // The snapshot's first line, e.g. `- 'button "Title: Notes"'` (YAML quotes a name with a colon).
  return (await active.first().ariaSnapshot())
    .split("\n")[0]
    .replace(/^- /, "")
    .replace(/^'(.*)'/, "$1");
}

/**
 * Whether the focus shows: the focused element draws an outline or a ring (box shadow), or it is a
 * field inside a box styled for the focus within it (the composer: one ring around its textarea and buttons).
 */
const focusVisible = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return true;
    const style = getComputedStyle(el);
    const transparent = (color: string) => color === "transparent" || /rgba\(.*,\s*0\)$/.test(color);
    const outline =
      style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0 && !transparent(style.outlineColor);
    if (outline || style.boxShadow !== "none") return true;
    for (let box = el.parentElement, up = 0; box && up < 3; box = box.parentElement, up++)
      if (/(^|\s)focus-within:ring/.test(box.className) && getComputedStyle(box).boxShadow !== "none") return true;
    return false;
  });

/**
 * Presses `key` (Tab, or Shift+Tab) until the focus is on `target`, checking on every stop that the
 * focus is visible. Fails when the target is not reached within a page's worth of stops.
 */
async function tabTo(page: Page, target: RegExp, key = "Tab") {
  const seen: string[] = [];
  for (let i = 0; i < 80; i++) {
    await page.keyboard.press(key);
    const now = await focused(page);
    seen.push(now);
    expect(await focusVisible(page), `focus not visible on ${now}`).toBe(true);
    if (target.test(now)) return;
  }
  throw new Error(`${target} not reached by ${key}; stops: ${seen.join(" | ")}`);
}

async function typeInto(page: Page, field: RegExp, text: string) {
  await tabTo(page, field);
  await page.keyboard.type(text);
}

async function signUpByKeyboard(page: Page, name: string) {
  const email = uniqueEmail(name.toLowerCase());
  await page.goto("/sign-up");
  await expect(page.getByRole("button", { name: "Sign up" })).toBeEnabled();
  await typeInto(page, /^textbox "Name"/, name);
  await typeInto(page, /^textbox "Email"/, email);
  await typeInto(page, /^textbox "Password"/, password);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/$/);
  return email;
}

async function signInByKeyboard(page: Page, email: string) {
  await page.goto("/sign-in");
  await expect(page.getByRole("button", { name: "Sign in", exact: true })).toBeEnabled();
  await typeInto(page, /^textbox "Email"/, email);
  await typeInto(page, /^textbox "Password"/, password);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/$/);
}

async function signOutByKeyboard(page: Page) {
  await tabTo(page, /^button "Sign out"/);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/sign-in/);
}

/** A new thread from the sidebar's button, its first message typed into the box that then has the focus. */
async function newThreadByKeyboard(page: Page, text: string) {
  const chat = chatPage(page);
  await tabTo(page, /^button "New thread"/);
  await page.keyboard.press("Enter");
  await expect(page).toHaveURL(/\/$/);
  await tabTo(page, /^textbox "Message"/);
  await page.keyboard.type(text);
  await page.keyboard.press("Enter");
  await expect(chat.lastReply).toContainText(`${text} — done.`);
  await expect(chat.threadList.getByText(`Title: ${text}`)).toBeVisible();
}

test("two people, keyboard only: sign up, new threads, send, switch, rename, archive, delete, sign out, sign in", async ({
  browser,
}) => {
  // Two whole sessions, every step by Tab: 34–52 s in CI runs, and once over 60 s under load.
  test.setTimeout(120_000);
  const contextA = await browser.newContext();
  const contextB = await browser.newContext();
  const a = await contextA.newPage();
  const b = await contextB.newPage();
  const chatA = chatPage(a);

  // Sign up lands in the message box: the first message needs no Tab at all.
  const emailA = await signUpByKeyboard(a, "Alice");
  await expect(chatA.messageBox).toBeFocused();
  await a.keyboard.type("Alice secret recipe");
  await a.keyboard.press("Enter");
  await expect(chatA.lastReply).toContainText("Alice secret recipe — done.");
  await expect(chatA.threadList.getByText("Title: Alice secret recipe")).toBeVisible();
  const first = a.url();
  await newThreadByKeyboard(a, "Alice travel notes");
  const second = a.url();
  expect(second).not.toBe(first);

  // Switch back to the first thread from the list (Shift+Tab: the list is before the thread).
  await tabTo(a, /^button "Title: Alice secret recipe"/, "Shift+Tab");
  await a.keyboard.press("Enter");
  await expect(a).toHaveURL(first);
  await expect(chatA.userMessages).toContainText("Alice secret recipe");

  // Rename: Enter opens the title field with the focus in it; Escape cancels, Enter saves.
  await tabTo(a, /^button "Rename Title: Alice travel notes"/);
  await a.keyboard.press("Enter");
  await expect(chatA.threadList.getByRole("textbox", { name: "Thread title" })).toBeFocused();
  await a.keyboard.press("Escape");
  await expect(chatA.threadList.getByRole("button", { name: "Rename Title: Alice travel notes" })).toBeFocused();
  await a.keyboard.press("Enter");
  await a.keyboard.type("Trips");
  await a.keyboard.press("Enter");
  await expect(chatA.threadList.getByRole("button", { name: "Trips", exact: true })).toBeVisible();
  await expect
    .poll(async () => (await listThreads(a.request)).map((t) => t.title).sort())
    .toEqual(["Title: Alice secret recipe", "Trips"]);

  // Archive it, find it under Archived (Space presses a button too), then delete it there.
  await tabTo(a, /^button "Archive Trips"/);
  await a.keyboard.press("Enter");
  await expect(chatA.threadList.getByRole("button", { name: "Trips", exact: true })).toHaveCount(0);
  await tabTo(a, /^button "Archived"/);
  await a.keyboard.press("Space");
  await expect(chatA.threadList.getByRole("button", { name: "Archived" })).toHaveAttribute("aria-pressed", "true");
  await tabTo(a, /^button "Delete Trips"/);
  await a.keyboard.press("Enter");
  // The prompt puts the focus on Cancel; Escape-free, the confirm is one Shift+Tab away.
  await expect(chatA.threadList.getByRole("button", { name: "Cancel" })).toBeFocused();
  await tabTo(a, /^button "Confirm delete"/, "Shift+Tab");
  await a.keyboard.press("Enter");
  await expect(chatA.threadList.getByText("No archived threads.")).toBeVisible();
  await expect
    .poll(async () => (await listThreads(a.request)).map((t) => t.title))
    .toEqual(["Title: Alice secret recipe"]);

  // Bob, in his own browser, by keyboard too: he never sees Alice's thread.
  await signUpByKeyboard(b, "Bob");
  const chatB = chatPage(b);
  await expect(chatB.messageBox).toBeFocused();
  await b.keyboard.type("Bob budget sheet");
  await b.keyboard.press("Enter");
  await expect(chatB.lastReply).toContainText("Bob budget sheet — done.");
  await expect(chatB.threadList.getByText("Title: Bob budget sheet")).toBeVisible();
  await expect(chatB.threadList.getByText(/Alice/)).toHaveCount(0);
  expect((await listThreads(b.request)).map((t) => t.title)).toEqual(["Title: Bob budget sheet"]);

  // Alice signs out and in again, all by keyboard; her thread is there, Bob's is not.
  await signOutByKeyboard(a);
  await signInByKeyboard(a, emailA);
  await expect(chatA.threadList.getByText("Title: Alice secret recipe")).toBeVisible();
  await expect(chatA.threadList.getByText(/Bob/)).toHaveCount(0);
  await signOutByKeyboard(b);

  await contextA.close();
  await contextB.close();
});
