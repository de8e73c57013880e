import { expect, test } from "@playwright/test";
import pg from "pg";
import { password, resetPasswordByMail, signIn, signUp } from "./helpers";
import { uniqueEmail } from "../support/unique-email";

test("sign up, see your name, sign out, sign back in", async ({ page }) => {
  const email = await signUp(page, "Ada");
  await expect(page.getByText("Ada", { exact: true })).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in/);

  await signIn(page, email);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByText("Ada", { exact: true })).toBeVisible();
});

test("a wrong password shows an error and stays on the sign-in page", async ({ page }) => {
  const email = await signUp(page, "Grace");
  await page.goto("about:blank");
  await page.context().clearCookies();
  await signIn(page, email, "not the password");
  await expect(page.getByRole("alert").filter({ hasText: /invalid email or password/i })).toBeVisible();
  await expect(page).toHaveURL(/\/sign-in/);
});

test("an account locked by wrong passwords says so, and a reset link lets its owner back in", async ({
  page,
  browser,
}) => {
  const email = await signUp(page, "Locked");
  const attacker = await browser.newPage();
  for (let i = 0; i < 5; i++) {
    await signIn(attacker, email, `guess number ${i}`);
    await expect(attacker.getByRole("alert").filter({ hasText: /invalid email or password/i })).toBeVisible();
  }
  await attacker.close();

  // The owner, on a browser that never signed in with the password, is refused too, and told why.
  await page.goto("about:blank");
  await page.context().clearCookies();
  await signIn(page, email);
  await expect(
    page.getByRole("alert").filter({ hasText: /too many failed sign-ins.*reset your password/i }),
  ).toBeVisible();

  await resetPasswordByMail(page, email, "a fresh password");
  await signIn(page, email, "a fresh password");
  await expect(page).toHaveURL(/\/$/);
});

test("signing up twice with one email says so", async ({ page, browser }) => {
  const email = await signUp(page, "Linus");
  const other = await browser.newPage();
  await other.goto("/sign-up");
  await other.getByLabel("Name").fill("Linus again");
  await other.getByLabel("Email").fill(email);
  await other.getByLabel("Password").fill(password);
  await other.getByRole("button", { name: "Sign up" }).click();
  await expect(other.getByRole("alert").filter({ hasText: /already exists/i })).toBeVisible();
  await other.close();
});

test("/ without a session redirects to /sign-in, and sign-in returns to where you were headed", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/sign-in$/);
  const email = uniqueEmail("return");
  await page.getByRole("link", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/sign-up/);
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Returner");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/$/);
  // Leave the app first: on "/", ReloadOnAuth itself sends a signed-out tab to /sign-in.
  await page.goto("about:blank");
  await page.context().clearCookies();

  await page.goto("/account-settings-later?tab=1");
  await expect(page).toHaveURL(/\/sign-in\?callbackURL=\/account-settings-later%3Ftab%3D1$/);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/account-settings-later\?tab=1$/);
});

test("the session cookie is HttpOnly and SameSite=Lax, and dies with sign-out", async ({ page, request }) => {
  await signUp(page, "Cookie");
  const [cookie] = (await page.context().cookies()).filter((c) => c.name === "better-auth.session_token");
  expect(cookie.httpOnly).toBe(true);
  expect(cookie.sameSite).toBe("Lax");
  const replay = { headers: { cookie: `${cookie.name}=${cookie.value}` } };

  const before = await request.get("/api/auth/get-session", replay);
  expect((await before.json())?.user?.name).toBe("Cookie");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);

  const after = await request.get("/api/auth/get-session", replay);
  expect(after.status()).toBe(200);
  expect(await after.json()).toBeNull();

  const token = decodeURIComponent(cookie.value).split(".")[0];
  const client = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await client.connect();
  const { rowCount } = await client.query("select 1 from session where token = $1", [token]);
  await client.end();
  expect(rowCount).toBe(0);
});
