import { expect, test, type Browser } from "@playwright/test";
import { readFileSync } from "node:fs";
import { startOidcProvider } from "../support/oidc-provider";
import { startSmtpServer } from "../support/smtp-server";
import { chatPage } from "./chat-page";
import { withDb } from "./db";
import { password, signUp } from "./helpers";
import { uniqueEmail } from "../support/unique-email";
import { startInstance } from "./instances";

test.describe("redirect targets", () => {
  test("a signed-in browser sent to /sign-in with a hostile callbackURL stays on this app, and nothing answers 500", async ({
    page,
    baseURL,
  }) => {
    await signUp(page, "Redirected");
    const own = new URL(baseURL!).origin;
    const landing = await page.goto("/sign-in?callbackURL=/%09/example.com");
    expect(landing?.status()).toBeLessThan(400);
    expect(new URL(page.url()).origin).toBe(own);
    expect(new URL(page.url()).pathname).toBe("/");

    const hostile = [
      "/%0a/x",
      "/%0d%0aSet-Cookie:%20a=b",
      "/%5C/example.com",
      "/%2F/example.com",
      "//example.com",
      "https:example.com",
      `/${"a".repeat(4000)}`,
    ];
    // Odd but harmless: kept, as paths on this app (percent-encoded in the Location header).
    const odd = ["/%E2%80%A8", "/%ZZ", "/ünï"];
    for (const target of [...hostile, ...odd]) {
      for (const pageName of ["/sign-in", "/sign-up"]) {
        const response = await page.request.get(`${pageName}?callbackURL=${target}`, { maxRedirects: 0 });
        expect(response.status(), `${pageName} ${target}`).toBeGreaterThanOrEqual(300);
        expect(response.status(), `${pageName} ${target}`).toBeLessThan(400);
        const location = new URL(response.headers().location!, own);
        expect(location.origin, `${pageName} ${target}`).toBe(own);
        if (hostile.includes(target)) expect(location.pathname, `${pageName} ${target}`).toBe("/");
      }
    }
    // A target that is a path on this app is still honoured.
    await page.goto("/sign-in?callbackURL=/account");
    await expect(page).toHaveURL(/\/account$/);
  });
});

/** A browser whose sign-in page offers no passkey in the email field (see sign-in-methods.spec.ts). */
async function ssoContext(browser: Browser, baseURL: string) {
  const context = await browser.newContext({ baseURL });
  await context.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  return context;
}

/** The newest link in a mail to `email` that this instance printed in its log (no SMTP_URL). */
async function linkFromLog(logFile: string, email: string, pathPart: string): Promise<string> {
  for (let i = 0; i < 50; i++) {
    const mails = readFileSync(logFile, "utf8")
      .split("[mail] to ")
      .filter((m) => m.startsWith(`${email}:`));
    const link = mails.at(-1)?.match(new RegExp(`https?://\\S*${pathPart}\\S*`))?.[0];
    if (link) return link;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail with ${pathPart} for ${email}`);
}

test.describe("an instance limited to SIGNUP_EMAIL_DOMAINS, with ADMIN_EMAILS and SSO", () => {
  const sso = "Claims SSO";
  let provider: Awaited<ReturnType<typeof startOidcProvider>>;
  let app: Awaited<ReturnType<typeof startInstance>>;
  const listed = uniqueEmail("listed-boss");
  let subjects = 0;
  const identity = (email: string, verified: boolean) => ({
    sub: `claims-${process.pid}-${subjects++}`,
    email,
    email_verified: verified,
    name: "Claimer",
  });
  test.beforeAll(async () => {
    provider = await startOidcProvider();
    app = await startInstance("claims", {
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: "threadkeeper",
      OIDC_CLIENT_SECRET: "s",
      OIDC_NAME: sso,
      SIGNUP_EMAIL_DOMAINS: "example.com",
      ADMIN_EMAILS: listed,
    });
  });
  test.afterAll(async () => {
    await app?.stop();
    await provider?.stop();
  });

  test("an unverified account is held (403 email_not_verified, a 'Check your inbox' page with a resend button) until it opens the link", async ({
    browser,
  }) => {
    const context = await ssoContext(browser, app.url);
    const page = await context.newPage();
    const email = await signUp(page, "Held", uniqueEmail("held"));
    const api = (path: string, method = "GET") =>
      page.request.fetch(path, { method, headers: { origin: app.url }, data: method === "POST" ? {} : undefined });
    for (const [path, method] of [
      ["/api/threads", "GET"],
      ["/api/threads", "POST"],
      ["/api/search?q=x", "GET"],
      ["/api/export", "GET"],
      ["/api/chat", "POST"],
    ] as const) {
      const refused = await api(path, method);
      expect(refused.status(), `${method} ${path}`).toBe(403);
      expect(await refused.json(), `${method} ${path}`).toEqual({
        error: { code: "email_not_verified", message: expect.any(String), requestId: expect.any(String) },
      });
    }
    await page.goto("/");
    await expect(page.getByRole("heading", { name: "Check your inbox" })).toBeVisible();
    await expect(chatPage(page).messageBox).toHaveCount(0);
    await page.getByRole("button", { name: "Send the link again" }).click();
    await expect(page.getByRole("status")).toContainText("A new link is on its way");

    await page.goto(await linkFromLog(app.logFile, email.toLowerCase(), "/verify-email"));
    await expect(chatPage(page).messageBox).toBeVisible();
    expect((await api("/api/threads")).status()).toBe(200);
    await context.close();
  });

  test("a provider that does not vouch for the address signs nobody up: no account, no admin; one that does, makes the listed address admin", async ({
    browser,
  }) => {
    const context = await ssoContext(browser, app.url);
    const page = await context.newPage();
    provider.signInAs(identity(listed, false));
    await page.goto("/sign-in");
    await page.getByRole("button", { name: `Continue with ${sso}` }).click();
    await expect(page.locator("main").getByRole("alert")).toContainText(`${sso} did not confirm your email address`);
    expect(await (await page.request.get("/api/auth/get-session")).json()).toBeNull();
    expect((await page.request.get("/api/threads")).status()).toBe(401);
    const rows = () =>
      withDb(
        async (c) =>
          (await c.query(`select role, email_verified from "user" where email = $1`, [listed.toLowerCase()])).rows,
      );
    expect(await rows()).toEqual([]);

    provider.signInAs(identity(listed, true));
    await page.goto("/sign-in");
    await page.getByRole("button", { name: `Continue with ${sso}` }).click();
    await expect(page.getByRole("link", { name: "Admin" })).toBeAttached();
    expect(await rows()).toEqual([{ role: "admin", email_verified: true }]);
    await context.close();
  });
});

test("with SMTP_URL, sign-up answers alike for a taken address, the page says to check the inbox, and the owner is told by mail", async ({
  browser,
  playwright,
}) => {
  const smtp = await startSmtpServer();
  const app = await startInstance("smtp", { SMTP_URL: smtp.url });
  try {
    const taken = uniqueEmail("owner");
    const owner = await playwright.request.newContext({ baseURL: app.url, extraHTTPHeaders: { origin: app.url } });
    expect(
      (await owner.post("/api/auth/sign-up/email", { data: { name: "Owner", email: taken, password } })).status(),
    ).toBe(200);
    await owner.dispose();

    const context = await browser.newContext({ baseURL: app.url });
    const page = await context.newPage();
    const seen: string[] = [];
    for (const email of [uniqueEmail("newcomer"), taken]) {
      await page.goto("/sign-up");
      await page.getByLabel("Name").fill("Someone");
      await page.getByLabel("Email").fill(email);
      await page.getByLabel("Password").fill(password);
      const answer = page.waitForResponse((r) => r.url().endsWith("/api/auth/sign-up/email"));
      await page.getByRole("button", { name: "Sign up" }).click();
      const response = await answer;
      seen.push(`${response.status()} ${await response.text()}`);
      await expect(page.getByRole("heading", { name: "Check your inbox" })).toBeVisible();
      await expect(page.getByRole("status")).toContainText(email);
    }
    expect(seen[1]).toBe(seen[0]);
    expect(seen[0]).toBe('200 {"token":null,"user":null}');
    expect((await smtp.mailTo(taken.toLowerCase(), /tried to sign up/)).text).toContain("/sign-in");
    await context.close();
  } finally {
    await app.stop();
    await smtp.close();
  }
});
