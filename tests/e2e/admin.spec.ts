import { expect, test } from "@playwright/test";
import { chatPage } from "./chat-page";
import { chatBody, modelRequests, password, signIn, signUp } from "./helpers";
import { uniqueEmail } from "../support/unique-email";
import { startInstance } from "./instances";

test("the first account administers a fresh instance: users, bans with a reason, roles, the last admin kept, no conversations shown", async ({
  browser,
}) => {
  const app = await startInstance("admin", {}, { freshDatabase: true });
  const adminContext = await browser.newContext({ baseURL: app.url });
  const userContext = await browser.newContext({ baseURL: app.url });
  try {
    const adminPage = await adminContext.newPage();
    const adminEmail = await signUp(adminPage, "Owner", uniqueEmail("owner"));
    await expect(adminPage.getByRole("link", { name: "Admin" })).toBeAttached();

    const userPage = await userContext.newPage();
    const userEmail = await signUp(userPage, "Member", uniqueEmail("member"));
    await expect(userPage.getByRole("link", { name: "Admin" })).toHaveCount(0);
    // Not for members: the same 404 as an unknown address.
    expect((await userPage.goto("/admin"))?.status()).toBe(404);
    await expect(userPage.getByRole("heading", { name: "Not found" })).toBeVisible();
    const secret = await (
      await userPage.request.post("/api/threads", {
        data: { title: "Secret merger plans" },
        headers: { origin: app.url },
      })
    ).json();

    await adminPage.goto("/admin");
    const rows = adminPage.getByRole("table", { name: "Users" }).getByRole("row");
    await expect(rows.filter({ hasText: userEmail }).getByRole("cell").nth(2)).toHaveText("user");
    await expect(rows.filter({ hasText: userEmail }).getByRole("cell").nth(3)).toHaveText("active");
    await expect(rows.filter({ hasText: adminEmail }).getByRole("cell").nth(2)).toHaveText("admin");
    // On a laptop and on a phone, a table too wide scrolls inside its own box, never the page.
    for (const width of [1280, 390]) {
      await adminPage.setViewportSize({ width, height: 900 });
      expect(await adminPage.evaluate(() => document.documentElement.scrollWidth <= innerWidth)).toBe(true);
    }
    await adminPage.setViewportSize({ width: 1280, height: 720 });
    // Accounts, never conversations: nothing of the member's threads on the page or through the API.
    expect(await adminPage.content()).not.toContain("Secret merger plans");
    expect((await adminPage.request.get(`/api/threads/${secret.id}`)).status()).toBe(404);
    expect(await (await adminPage.request.get("/api/search?q=merger")).text()).not.toContain("Secret");

    await adminPage.getByRole("searchbox", { name: "Search users" }).fill("member");
    await adminPage.getByRole("button", { name: "Search" }).click();
    await expect(adminPage).toHaveURL(/q=member/);
    await expect(rows.filter({ hasText: adminEmail })).toHaveCount(0);

    // The last admin cannot step down.
    await adminPage.goto("/admin");
    await rows.filter({ hasText: adminEmail }).getByRole("button", { name: "Remove admin" }).click();
    await expect(adminPage.getByRole("alert").filter({ hasText: "last admin" })).toBeVisible();

    // A ban with a reason: the member's very next request is refused, and signing in says why.
    const answers = ["Spamming the model", ""];
    adminPage.on("dialog", (dialog) => void dialog.accept(answers.shift() ?? ""));
    await rows.filter({ hasText: userEmail }).getByRole("button", { name: "Ban" }).click();
    await expect(adminPage.getByRole("status")).toContainText("is banned");
    await expect(rows.filter({ hasText: userEmail }).getByRole("cell").nth(3)).toHaveText("banned");
    expect((await userPage.request.get("/api/threads")).status()).toBe(401);
    await signIn(userPage, userEmail, password);
    await expect(
      userPage.getByRole("alert").filter({ hasText: "This account is suspended: Spamming the model" }),
    ).toBeVisible();

    // The ban is in the audit log, found by its action; the member sees it among their own events.
    await adminPage.goto("/admin?action=user_banned");
    const audit = adminPage.getByRole("table", { name: "Audit events" });
    await expect(audit.getByRole("row").filter({ hasText: userEmail })).toContainText("reason: Spamming the model");
    await expect(audit.getByRole("row")).toHaveCount(2);
    await adminPage.goto("/admin");

    await rows.filter({ hasText: userEmail }).getByRole("button", { name: "Unban" }).click();
    await expect(rows.filter({ hasText: userEmail }).getByRole("cell").nth(3)).toHaveText("active");
    await signIn(userPage, userEmail, password);
    await expect(userPage).toHaveURL(/\/$/);
    await userPage.goto("/account");
    const own = userPage.getByRole("list", { name: "Security events" });
    await expect(own).toContainText("user banned");
    await expect(own).toContainText("sign in (failed)");

    // A quota for this one person: the row shows it, and their chat stops once it is used.
    answers.push("5");
    await rows.filter({ hasText: userEmail }).getByRole("button", { name: "Set quota" }).click();
    await expect(rows.filter({ hasText: userEmail }).getByRole("cell").nth(8)).toHaveText("5");
    const thread = await (
      await userPage.request.post("/api/threads", { data: {}, headers: { origin: app.url } })
    ).json();
    const first = await userPage.request.post("/api/chat", {
      data: chatBody(thread.id, "Use my quota"),
      headers: { origin: app.url },
    });
    expect(first.status()).toBe(200);
    await first.body();
    await expect
      .poll(async () =>
        (
          await userPage.request.post("/api/chat", {
            data: chatBody(thread.id, "Once more"),
            headers: { origin: app.url },
          })
        ).status(),
      )
      .toBe(429);

    // Make the member an admin: now the owner may step down.
    await rows.filter({ hasText: userEmail }).getByRole("button", { name: "Make admin" }).click();
    await expect(rows.filter({ hasText: userEmail }).getByRole("cell").nth(2)).toHaveText("admin");
    await rows.filter({ hasText: adminEmail }).getByRole("button", { name: "Remove admin" }).click();
    // No longer an admin: the refreshed /admin is the 404 page for the former owner.
    await expect(adminPage.getByRole("heading", { name: "Not found" })).toBeVisible();
  } finally {
    await adminContext.close();
    await userContext.close();
    await app.stop();
  }
});

test("approval: a new account waits (page and API), the model is never called, an admin approves; closed from /admin shuts sign-up", async ({
  browser,
}) => {
  const app = await startInstance("approval", { SIGNUP_MODE: "approval" }, { freshDatabase: true });
  const adminContext = await browser.newContext({ baseURL: app.url });
  const userContext = await browser.newContext({ baseURL: app.url });
  try {
    const adminPage = await adminContext.newPage();
    await signUp(adminPage, "Owner", uniqueEmail("owner"));
    await expect(chatPage(adminPage).messageBox).toBeVisible();

    const userPage = await userContext.newPage();
    await userPage.goto("/sign-up");
    await expect(userPage.getByText("New accounts wait for an admin to approve them")).toBeVisible();
    const userEmail = await signUp(userPage, "Newcomer", uniqueEmail("newcomer"));
    await expect(userPage.getByRole("heading", { name: "Waiting for approval" })).toBeVisible();
    const knock = `let me in ${Date.now()}`;
    const list = await userPage.request.get("/api/threads");
    expect(list.status()).toBe(403);
    expect((await list.json()).error.code).toBe("pending_approval");
    const chat = await userPage.request.post("/api/chat", {
      data: chatBody("00000000-0000-4000-8000-000000000000", knock),
      headers: { origin: app.url },
    });
    expect(chat.status()).toBe(403);
    // Other tests use the same fake model at the same time: look for this text, not at a count.
    expect((await modelRequests()).some((t) => t.includes(knock))).toBe(false);

    await adminPage.goto("/admin");
    const row = adminPage.getByRole("table", { name: "Users" }).getByRole("row").filter({ hasText: userEmail });
    await expect(row.getByRole("cell").nth(3)).toHaveText("pending");
    await row.getByRole("button", { name: "Approve" }).click();
    await expect(row.getByRole("cell").nth(3)).toHaveText("active");
    await userPage.reload();
    await expect(chatPage(userPage).messageBox).toBeVisible();
    expect((await userPage.request.get("/api/threads")).status()).toBe(200);

    // Closed, chosen on /admin: the sign-up page says so and the API refuses.
    await adminPage.getByRole("combobox", { name: "Sign-up mode" }).selectOption("closed");
    await expect(adminPage.getByText("Reset to the environment")).toBeVisible();
    const stranger = await browser.newContext({ baseURL: app.url });
    const strangerPage = await stranger.newPage();
    await strangerPage.goto("/sign-up");
    await expect(strangerPage.getByRole("heading", { name: "Sign-up is closed" })).toBeVisible();
    const refused = await strangerPage.request.post("/api/auth/sign-up/email", {
      data: { name: "Late", email: uniqueEmail("late"), password },
      headers: { origin: app.url },
    });
    expect(refused.status()).toBe(403);
    await stranger.close();
  } finally {
    await adminContext.close();
    await userContext.close();
    await app.stop();
  }
});

test("invite mode: an admin makes a one-use link, a stranger joins through it, a second use and a missing link are refused", async ({
  browser,
}) => {
  const app = await startInstance("invite", { SIGNUP_MODE: "invite" }, { freshDatabase: true });
  const adminContext = await browser.newContext({ baseURL: app.url });
  try {
    const adminPage = await adminContext.newPage();
    await signUp(adminPage, "Owner", uniqueEmail("owner"));
    await adminPage.goto("/admin");
    const section = adminPage.getByRole("region", { name: "Invitations" });
    await section.getByRole("button", { name: "Create invitation" }).click();
    const link = (await section.getByRole("status").locator("code").innerText()).trim();
    expect(link).toMatch(/\/sign-up\?invite=[\w-]{20,}$/);
    await expect(section.getByRole("table", { name: "Invitations" })).toContainText("0 of 1");

    for (const [i, expected] of [
      [0, "joined"],
      [1, "used up"],
    ] as const) {
      const context = await browser.newContext({ baseURL: app.url });
      const page = await context.newPage();
      await page.goto("/sign-up");
      await expect(page.getByRole("heading", { name: "Sign-up needs an invitation" })).toBeVisible();
      await page.goto(link);
      await expect(page.getByText("You were invited")).toBeVisible();
      await page.getByLabel("Name").fill(`Guest ${i}`);
      await page.getByLabel("Email").fill(uniqueEmail(`guest${i}`));
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Sign up" }).click();
      if (expected === "joined") await expect(chatPage(page).messageBox).toBeVisible();
      else await expect(page.getByRole("alert").filter({ hasText: "This invitation has been used up." })).toBeVisible();
      await context.close();
    }
    await adminPage.reload();
    await expect(section.getByRole("table", { name: "Invitations" })).toContainText("used up");
  } finally {
    await adminContext.close();
    await app.stop();
  }
});
