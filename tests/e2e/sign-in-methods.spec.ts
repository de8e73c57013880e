import { expect, test, type Browser, type Page } from "@playwright/test";
import { TOTP } from "otpauth";
import { startOidcProvider } from "../support/oidc-provider";
import { chatPage } from "./chat-page";
import { withDb } from "./db";
import { apiAdmin, password, signIn, signUp } from "./helpers";
import { uniqueEmail } from "../support/unique-email";
import { startInstance } from "./instances";

const sso = "Acme SSO";
let subjects = 0;
const identity = (email: string, verified = true) => ({
  sub: `sso-${process.pid}-${subjects++}`,
  email,
  email_verified: verified,
  name: "Sso Person",
});
const session = async (page: Page) => (await page.request.get("/api/auth/get-session")).json();
const auditOf = (email: string) =>
  withDb(async (c) =>
    (
      await c.query(
        `select action, outcome, detail->>'method' as method from audit_event where actor_email = $1 order by at, id`,
        [email.toLowerCase()],
      )
    ).rows.map((r) => `${r.action}:${r.outcome}:${r.method ?? ""}`),
  );
/**
 * A browser for the SSO tests: no passkey offered in the email field. Chromium can hang closing a
 * context whose page still holds the sign-in page's pending conditional WebAuthn request.
 */
async function ssoContext(browser: Browser, baseURL: string) {
  const context = await browser.newContext({ baseURL });
  await context.addInitScript(() => {
    PublicKeyCredential.isConditionalMediationAvailable = async () => false;
  });
  return context;
}

/** Leaves the app first: an open chat notices the lost session and reloads itself, racing the test's next navigation. */
async function signOutOf(page: Page) {
  // A redirect the app is still making (to an error page, to the chat) may interrupt the first try.
  for (let attempt = 0; ; attempt++) {
    try {
      await page.goto("about:blank");
      break;
    } catch (error) {
      if (attempt === 3 || !String(error).includes("interrupted")) throw error;
      await page.waitForLoadState();
    }
  }
  await page.context().clearCookies();
}

/** What one sign-in costs: requests to the app's auth routes and the identity provider, and the time from the click to the chat. */
async function measured(page: Page, label: string, signIn: () => Promise<void>) {
  const seen: string[] = [];
  const app = new URL(page.url()).host;
  // Auth calls to the app, and anything sent to another host (the identity provider).
  const count = (r: { url: () => string }) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith("/api/auth/") || url.host !== app)
      seen.push(url.host === app ? url.pathname : `IdP ${url.pathname}`);
  };
  page.on("request", count);
  const started = Date.now();
  await signIn();
  await expect(chatPage(page).messageBox).toBeVisible();
  const ms = Date.now() - started;
  page.off("request", count);
  console.log(
    `sign-in cost [${label}]: ${ms} ms from the click to the chat; ${seen.length} requests: ${seen.join(", ")}`,
  );
}
const usersWith = (email: string, url?: string) =>
  withDb(
    async (c) =>
      (
        await c.query(
          `select u.id, a.provider_id from "user" u left join account a on a.user_id = u.id where u.email = $1`,
          [email.toLowerCase()],
        )
      ).rows,
    url,
  );

test.describe("single sign-on through an OpenID Connect provider", () => {
  let provider: Awaited<ReturnType<typeof startOidcProvider>>;
  let app: Awaited<ReturnType<typeof startInstance>>;
  test.beforeAll(async () => {
    provider = await startOidcProvider();
    app = await startInstance("oidc", {
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: "threadkeeper",
      OIDC_CLIENT_SECRET: "oidc-secret",
      OIDC_NAME: sso,
      SIGNUP_EMAIL_DOMAINS: "example.com",
    });
  });
  test.afterAll(async () => {
    await app?.stop();
    await provider?.stop();
  });

  test("the first sign-in makes the account, the next one reuses it; a disallowed domain and a tampered state or code make no session", async ({
    browser,
  }) => {
    const context = await ssoContext(browser, app.url);
    const page = await context.newPage();
    const email = uniqueEmail("sso");
    const person = identity(email);

    provider.signInAs(person);
    await page.goto("/sign-in");
    await page.getByRole("button", { name: `Continue with ${sso}` }).click();
    await expect(chatPage(page).messageBox).toBeVisible();
    expect((await session(page)).user.email).toBe(email);
    await page.goto("/account");
    await expect(page.getByRole("list", { name: "Sign-in methods" }).getByRole("listitem")).toHaveText([
      new RegExp(`^${sso}`),
    ]);
    // No password on this account: nothing to change.
    await expect(page.getByRole("heading", { name: "Change password" })).toHaveCount(0);

    await signOutOf(page);
    await page.goto("/sign-in");
    await measured(page, "SSO, returning", () => page.getByRole("button", { name: `Continue with ${sso}` }).click());
    expect(await usersWith(email)).toHaveLength(1);
    expect(await auditOf(email)).toEqual(["sign_up:success:oidc", "sign_in:success:oidc", "sign_in:success:oidc"]);

    // SIGNUP_EMAIL_DOMAINS holds for SSO too: refused, with the reason, and no account.
    await signOutOf(page);
    provider.signInAs(identity(`intruder-${Date.now()}@evil.test`));
    await page.goto("/sign-in");
    await page.getByRole("button", { name: `Continue with ${sso}` }).click();
    await expect(page.locator("main").getByRole("alert")).toHaveText("Sign-up is limited to addresses at example.com.");
    expect(await session(page)).toBeNull();

    // The provider's answer, altered on its way back: no session either way.
    for (const param of ["state", "code"] as const) {
      await signOutOf(page);
      const other = uniqueEmail(`tampered-${param}`);
      provider.signInAs(identity(other));
      provider.tamperNextRedirect(param);
      await page.goto("/sign-in");
      const callback = page.waitForResponse((r) => r.url().includes("/api/auth/callback/oidc"));
      // Redirects commit no page: the next one to commit is where the callback sent the browser.
      const landed = page.waitForEvent("framenavigated", { predicate: (frame) => frame === page.mainFrame() });
      await page.getByRole("button", { name: `Continue with ${sso}` }).click();
      expect((await callback).status(), param).toBeLessThan(500);
      const where = new URL((await landed).url());
      await page.waitForLoadState();
      expect(where.pathname, param).not.toBe("/");
      expect(await session(page), param).toBeNull();
      expect(await usersWith(other), param).toHaveLength(0);
    }
    await context.close();
  });

  test("an existing account is linked only when the provider vouches for the email; otherwise the person signs in and links it on /account", async ({
    browser,
  }) => {
    const context = await ssoContext(browser, app.url);
    const page = await context.newPage();
    const email = await signUp(page, "Has password", uniqueEmail("linker"));
    await signOutOf(page);

    // The provider says the address is not verified: no takeover of the password account.
    provider.signInAs(identity(email, false));
    await page.goto("/sign-in");
    await page.getByRole("button", { name: `Continue with ${sso}` }).click();
    await expect(page.locator("main").getByRole("alert")).toContainText(
      `Sign in another way first, then link ${sso} on your account page.`,
    );
    expect(await session(page)).toBeNull();

    await signIn(page, email);
    await expect(page).toHaveURL(/\/$/);
    await page.goto("/account");
    provider.signInAs(identity(email, true));
    await page.getByRole("button", { name: `Link ${sso}` }).click();
    await expect(page).toHaveURL(/\/account/);
    const methods = page.getByRole("list", { name: "Sign-in methods" });
    await expect(methods.getByRole("listitem")).toHaveCount(2);
    expect((await usersWith(email)).map((r) => r.provider_id).sort()).toEqual(["credential", "oidc"]);

    page.on("dialog", (dialog) => void dialog.accept());
    await methods.getByRole("listitem", { name: sso }).getByRole("button", { name: "Unlink" }).click();
    await expect(methods.getByRole("listitem")).toHaveCount(1);
    // The last way to sign in stays.
    await expect(
      methods.getByRole("listitem", { name: "Password" }).getByRole("button", { name: "Unlink" }),
    ).toBeDisabled();
    expect(await auditOf(email)).toEqual(
      expect.arrayContaining(["account_linked:success:oidc", "account_unlinked:success:"]),
    );
    await context.close();
  });
});

test("OIDC_ONLY: no password form, password sign-in and sign-up refused, and ADMIN_EMAILS still makes the first admin through SSO", async ({
  browser,
}) => {
  const provider = await startOidcProvider();
  const boss = uniqueEmail("boss");
  const app = await startInstance(
    "oidc-only",
    {
      OIDC_ISSUER: provider.issuer,
      OIDC_CLIENT_ID: "threadkeeper",
      OIDC_CLIENT_SECRET: "s",
      OIDC_NAME: sso,
      OIDC_ONLY: "true",
      ADMIN_EMAILS: boss,
    },
    { freshDatabase: true },
  );
  const context = await ssoContext(browser, app.url);
  try {
    const page = await context.newPage();
    await page.goto("/sign-in");
    await expect(page.getByRole("button", { name: `Continue with ${sso}` })).toBeVisible();
    await expect(page.getByLabel("Password")).toHaveCount(0);
    for (const path of ["/api/auth/sign-in/email", "/api/auth/sign-up/email"]) {
      const refused = await page.request.post(path, {
        data: { name: "P", email: uniqueEmail("pw"), password },
        headers: { origin: app.url },
      });
      expect(refused.status(), path).toBe(403);
      expect((await refused.json()).code, path).toBe("PASSWORD_SIGN_IN_DISABLED");
    }
    provider.signInAs(identity(boss));
    await page.getByRole("button", { name: `Continue with ${sso}` }).click();
    await expect(page.getByRole("link", { name: "Admin" })).toBeAttached();
  } finally {
    await context.close();
    await app.stop();
    await provider.stop();
  }
});

test("passkeys: add one on /account, sign in with it (no password, no code), delete it, and then it no longer signs in", async ({
  browser,
}) => {
  // WebAuthn needs a host name for the site, not an IP address.
  const app = await startInstance("passkeys", {}, { host: "localhost" });
  const context = await browser.newContext({ baseURL: app.url });
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
        automaticPresenceSimulation: true,
      },
    });
    const email = await signUp(page, "Key holder", uniqueEmail("passkey"));
    await page.goto("/account");
    await page.getByLabel("Passkey name").fill("Test laptop");
    await page.getByRole("button", { name: "Add a passkey" }).click();
    const keys = page.getByRole("list", { name: "Passkeys" });
    await expect(keys.getByRole("listitem", { name: "Test laptop" })).toContainText("last used never");

    // The email field offers the passkey (conditional mediation); the virtual authenticator picks it at once.
    await signOutOf(page);
    await page.goto("/sign-in");
    await expect(chatPage(page).messageBox).toBeVisible();
    expect((await session(page)).user.email).toBe(email);
    await page.goto("/account");
    await expect(keys.getByRole("listitem", { name: "Test laptop" })).not.toContainText("last used never");

    // The button, in a browser that offers no passkeys in form fields.
    await page.addInitScript(() => {
      PublicKeyCredential.isConditionalMediationAvailable = async () => false;
    });
    await signOutOf(page);
    await page.goto("/sign-in");
    await measured(page, "passkey button", () => page.getByRole("button", { name: "Sign in with a passkey" }).click());
    expect((await session(page)).user.email).toBe(email);
    await page.goto("/account");
    await expect(page.getByRole("list", { name: "Security events" })).toContainText("passkey added");

    page.on("dialog", (dialog) => void dialog.accept());
    await keys.getByRole("listitem", { name: "Test laptop" }).getByRole("button", { name: "Delete" }).click();
    await expect(page.getByRole("list", { name: "Passkeys" })).toHaveCount(0);

    // The authenticator still holds the credential; the server no longer knows it.
    await signOutOf(page);
    await page.goto("/sign-in");
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await expect(page.locator("main").getByRole("alert")).toBeVisible();
    expect(await session(page)).toBeNull();
  } finally {
    await context.close();
    await app.stop();
  }
});

test("two-factor: turned on with a QR key and a first code, then sign-in asks for a code, a backup code works once, and an admin can reset it", async ({
  page,
  playwright,
  baseURL,
}) => {
  const email = await signUp(page, "Careful", uniqueEmail("totp"));
  await page.goto("/account");
  const section = page.getByRole("region", { name: "Two-factor authentication" });
  await section.getByLabel("Your password").fill(password);
  await section.getByRole("button", { name: "Turn on two-factor" }).click();
  await expect(section.getByRole("img", { name: "QR code for your authenticator app" })).toBeVisible();
  const secret = (await section.getByLabel("Setup key").innerText()).replace(/\s+/g, "");
  const code = () => new TOTP({ secret, digits: 6, period: 30 }).generate();
  await section.getByLabel("Code from your app").fill(code());
  await section.getByRole("button", { name: "Confirm" }).click();
  await expect(section.getByRole("list", { name: "Backup codes" }).getByRole("listitem")).toHaveCount(10);
  const backupCodes = await section.getByRole("list", { name: "Backup codes" }).getByRole("listitem").allInnerTexts();
  await section.getByRole("button", { name: "I saved them" }).click();
  await expect(section).toContainText("Two-factor is on");

  // The password alone no longer signs in.
  await signOutOf(page);
  await signIn(page, email);
  await expect(page.getByRole("heading", { name: "Two-factor authentication" })).toBeVisible();
  expect(await session(page)).toBeNull();
  // A code is good once, so the confirming code cannot sign in: the next step's code (inside the ±1 step window) can.
  await page
    .getByLabel("Authentication code")
    .fill(new TOTP({ secret, digits: 6, period: 30 }).generate({ timestamp: Date.now() + 30_000 }));
  await measured(page, "two-factor code step", () => page.getByRole("button", { name: "Verify" }).click());

  // A backup code, twice: the second time it is refused.
  for (const expected of ["in", "refused"]) {
    await signOutOf(page);
    await signIn(page, email);
    await page.getByRole("button", { name: "Use a backup code instead" }).click();
    await page.getByLabel("Backup code").fill(backupCodes[0]!);
    await page.getByRole("button", { name: "Verify" }).click();
    if (expected === "in") await expect(chatPage(page).messageBox).toBeVisible();
    else await expect(page.locator("main").getByRole("alert")).toBeVisible();
  }

  // Lost phone: an admin turns it off (audited); the password alone signs in again.
  const admin = await apiAdmin(playwright, baseURL!);
  const [{ id }] = await withDb(
    async (c) => (await c.query(`select id from "user" where email = $1`, [email.toLowerCase()])).rows,
  );
  const listed = await (await admin.request.get(`/api/admin/users/${id}`)).json();
  expect(listed.user).toMatchObject({ twoFactorEnabled: true, passkeys: 0 });
  expect(JSON.stringify(listed)).not.toContain(secret);
  const reset = await admin.request.delete(`/api/admin/users/${id}/two-factor`);
  expect(reset.status()).toBe(200);
  expect((await reset.json()).user.twoFactorEnabled).toBe(false);
  await signOutOf(page);
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await measured(page, "password", () => page.getByRole("button", { name: "Sign in", exact: true }).click());
  await page.goto("/account");
  await expect(page.getByRole("list", { name: "Security events" })).toContainText("two factor reset");
  await admin.request.dispose();
});
