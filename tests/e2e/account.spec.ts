import { expect, test, type Browser } from "@playwright/test";
import { apiAdmin, listThreads, mailedLink, password, resetPasswordByMail, signIn, signUp } from "./helpers";
import { withDb } from "./db";
import { chatPage } from "./chat-page";

const firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
const iphone =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

async function device(browser: Browser, userAgent: string, email: string, pass = password) {
  const context = await browser.newContext({ userAgent });
  const page = await context.newPage();
  await signIn(page, email, pass);
  await expect(page).toHaveURL(/\/$/);
  return { context, page };
}

test("account: see every device, revoke one, then sign out everywhere else", async ({ page, browser }) => {
  const email = await signUp(page, "Sessions");
  const laptop = await device(browser, firefox, email);
  const phone = await device(browser, iphone, email);

  await page.goto("/account");
  const sessions = page.getByRole("list", { name: "Sessions" });
  await expect(sessions.getByRole("listitem")).toHaveCount(3);
  await expect(sessions.getByRole("listitem").first()).toContainText("This device");
  await expect(sessions).toContainText("Firefox on Linux");
  await expect(sessions).toContainText("Safari on iOS");

  await sessions
    .getByRole("listitem")
    .filter({ hasText: "Firefox on Linux" })
    .getByRole("button", { name: /^Revoke/ })
    .click();
  await expect(page.getByRole("status")).toHaveText("Session revoked.");
  await expect(sessions.getByRole("listitem")).toHaveCount(2);
  expect((await laptop.page.request.get("/api/threads")).status()).toBe(401);
  await laptop.page.goto("/");
  await expect(laptop.page).toHaveURL(/\/sign-in/);
  expect((await phone.page.request.get("/api/threads")).status()).toBe(200);

  await page.getByRole("button", { name: "Sign out everywhere else" }).click();
  await expect(page.getByRole("status")).toHaveText("Signed out everywhere else.");
  await expect(sessions.getByRole("listitem")).toHaveCount(1);
  expect((await phone.page.request.get("/api/threads")).status()).toBe(401);
  expect((await page.request.get("/api/threads")).status()).toBe(200);
  await laptop.context.close();
  await phone.context.close();
});

test("account: changing the password can sign out the other devices", async ({ page, browser }) => {
  const email = await signUp(page, "Rotator");
  const other = await device(browser, firefox, email);
  await page.goto("/account");
  await page.getByLabel("Current password").fill("not my password");
  await page.getByLabel("New password").fill("a brand new password");
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("alert").filter({ hasText: /password/i })).toBeVisible();

  await page.getByLabel("Current password").fill(password);
  await page.getByLabel("New password").fill("a brand new password");
  await expect(page.getByLabel("Sign out other devices")).toBeChecked();
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByRole("status")).toHaveText("Password changed.");
  expect((await other.page.request.get("/api/threads")).status()).toBe(401);
  expect((await page.request.get("/api/threads")).status()).toBe(200);

  const fresh = await browser.newPage();
  await signIn(fresh, email, password);
  await expect(fresh.getByRole("alert").filter({ hasText: /invalid email or password/i })).toBeVisible();
  await signIn(fresh, email, "a brand new password");
  await expect(fresh).toHaveURL(/\/$/);
  await other.context.close();
  await fresh.close();
});

test("account: deleting it takes every row of this user and nothing of anyone else", async ({ page, browser }) => {
  const keeper = await browser.newPage();
  await signUp(keeper, "Keeper");
  const kept = await (await keeper.request.post("/api/threads", { data: { title: "keep me" } })).json();

  await signUp(page, "Leaver");
  const mine = await (await page.request.post("/api/threads", { data: { title: "delete me" } })).json();
  await page.request.post(`/api/threads/${mine.id}/messages`, {
    data: {
      id: "m1",
      parentId: null,
      format: "ai-sdk/v6",
      content: { role: "user", parts: [{ type: "text", text: "bye" }] },
    },
  });
  const { user } = await (await page.request.get("/api/auth/get-session")).json();

  await page.goto("/account");
  await page.getByLabel("Confirm with your password").fill("wrong password");
  await page.getByRole("button", { name: "Delete account" }).click();
  await expect(page.getByRole("alert").filter({ hasText: /password/i })).toBeVisible();
  expect((await page.request.get("/api/threads")).status()).toBe(200);

  await page.getByLabel("Confirm with your password").fill(password);
  await page.getByRole("button", { name: "Delete account" }).click();
  await expect(page).toHaveURL(/\/sign-up/);

  const left = await withDb(async (db) => {
    const count = async (sql: string) => (await db.query(sql, [user.id])).rows[0].n as number;
    return {
      user: await count(`select count(*)::int as n from "user" where id = $1`),
      sessions: await count(`select count(*)::int as n from session where user_id = $1`),
      accounts: await count(`select count(*)::int as n from account where user_id = $1`),
      threads: await count(`select count(*)::int as n from thread where user_id = $1`),
      messages: await count(
        `select count(*)::int as n from message m join thread t on t.id = m.thread_id where t.user_id = $1`,
      ),
    };
  });
  expect(left).toEqual({ user: 0, sessions: 0, accounts: 0, threads: 0, messages: 0 });
  expect(
    await withDb(
      async (db) =>
        (await db.query(`select count(*)::int as n from message where thread_id = $1`, [mine.id])).rows[0].n,
    ),
  ).toBe(0);
  expect((await (await keeper.request.get(`/api/threads/${kept.id}`)).json()).title).toBe("keep me");
  await keeper.close();
});

test("export: a thread as Markdown and JSON, and all of my data", async ({ page }) => {
  const chat = chatPage(page);
  await signUp(page, "Exporter");
  await chat.send("Export me please");
  await expect(chat.lastReply).toContainText("— done.");

  const markdown = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export Markdown" }).click();
  const md = await (await markdown).path().then((p) => import("node:fs").then((fs) => fs.readFileSync(p, "utf8")));
  expect(md).toMatch(/^# /);
  expect(md).toContain("## You\n\nExport me please");
  expect(md).toContain("## Assistant\n\nFake model says: Export me please — done.");

  const [thread] = await listThreads(page.request);
  const json = await page.request.get(`/api/threads/${thread.id}/export?format=json`);
  expect(json.headers()["content-disposition"]).toMatch(/^attachment; filename=".+\.json"$/);
  const exported = await json.json();
  expect(exported).toMatchObject({ id: thread.id, messages: [{ role: "user" }, { role: "assistant" }] });
  expect((await page.request.get(`/api/threads/${thread.id}/export?format=pdf`)).status()).toBe(400);

  await page.goto("/account");
  const all = page.waitForEvent("download");
  await page.getByRole("link", { name: "Download my data" }).click();
  const data = JSON.parse(
    await (await all).path().then((p) => import("node:fs").then((fs) => fs.readFileSync(p, "utf8"))),
  );
  expect(data.user.name).toBe("Exporter");
  expect(data.threads.map((t: { id: string }) => t.id)).toEqual([thread.id]);
  expect(data.threads[0].messages).toHaveLength(2);
});

test("theme: dark and light are remembered across reloads, system follows the OS", async ({ page }) => {
  await page.emulateMedia({ colorScheme: "light" });
  await signUp(page, "Themer");
  const html = page.locator("html");
  await expect(html).not.toHaveClass(/dark/);

  await page.getByLabel("Theme").selectOption("dark");
  await expect(html).toHaveClass(/dark/);
  await page.reload();
  await expect(html).toHaveClass(/dark/);
  await expect(page.getByLabel("Theme")).toHaveValue("dark");

  await page.getByLabel("Theme").selectOption("system");
  await expect(html).not.toHaveClass(/dark/);
  await page.emulateMedia({ colorScheme: "dark" });
  await expect(html).toHaveClass(/dark/);

  await page.getByLabel("Theme").selectOption("light");
  await page.reload();
  await expect(html).not.toHaveClass(/dark/);
});

test("password reset by emailed link signs every device out; verification link marks the email verified", async ({
  page,
  browser,
}) => {
  const email = await signUp(page, "Forgetful");
  // Sign-up mailed a verification link.
  await page.goto(await mailedLink(email, "/verify-email"));
  await page.goto("/account");
  await expect(page.getByText("(verified)")).toBeVisible();

  const stranger = await browser.newPage();
  await resetPasswordByMail(stranger, email, "a reset password");

  // The old session is gone; the new password works, the old one does not.
  expect((await page.request.get("/api/threads")).status()).toBe(401);
  await signIn(stranger, email, password);
  await expect(stranger.getByRole("alert").filter({ hasText: /invalid email or password/i })).toBeVisible();
  await signIn(stranger, email, "a reset password");
  await expect(stranger).toHaveURL(/\/$/);

  // A reused or made-up token is refused.
  await stranger.goto("/reset-password?error=INVALID_TOKEN");
  await expect(stranger.getByRole("alert").filter({ hasText: "invalid or has expired" })).toBeVisible();
  await stranger.close();
});

test("account: the name is edited on /account, at most 100 characters; an account without a password is told to sign in again before deleting", async ({
  page,
  playwright,
  baseURL,
}) => {
  // The instance's first account is an admin, and the last admin may not delete itself: make sure that is someone else.
  await (await apiAdmin(playwright, baseURL!)).request.dispose();
  await signUp(page, "Renamer");
  const { user } = await (await page.request.get("/api/auth/get-session")).json();
  await page.goto("/account");
  const profile = page.getByRole("region", { name: "Profile" });
  await profile.getByLabel("Name").fill("n".repeat(101));
  await profile.getByRole("button", { name: "Save name" }).click();
  await expect(profile.getByRole("alert")).toContainText("at most 100 characters");
  expect((await (await page.request.get("/api/auth/get-session")).json()).user.name).toBe("Renamer");
  await profile.getByLabel("Name").fill("Ada Lovelace");
  await profile.getByRole("button", { name: "Save name" }).click();
  await expect(profile.getByRole("status")).toContainText("Name saved.");
  expect((await (await page.request.get("/api/auth/get-session")).json()).user.name).toBe("Ada Lovelace");

  // As if it signed up with a passkey or SSO, an hour ago: no password to ask, and no fresh sign-in.
  await withDb(async (db) => {
    await db.query(`delete from account where user_id = $1 and provider_id = 'credential'`, [user.id]);
    await db.query(`update session set created_at = now() - interval '1 hour' where user_id = $1`, [user.id]);
  });
  await page.goto("/account");
  const deletion = page.getByRole("region", { name: "Delete account" });
  await expect(deletion.getByLabel("Confirm with your password")).toHaveCount(0);
  await expect(deletion).toContainText("sign in again");
  await deletion.getByRole("button", { name: "Delete account" }).click();
  await expect(deletion.getByRole("alert")).toContainText("within 5 minutes");
  expect((await page.request.get("/api/threads")).status()).toBe(200);
});
