import { expect, test } from "@playwright/test";
import { password, signIn, signUp, uniqueEmail } from "./helpers";
import { startInstance } from "./instances";

test("the first account administers a fresh instance: users, bans with a reason, roles, the last admin kept, no conversations shown", async ({ browser }) => {
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
    const secret = await (await userPage.request.post("/api/threads", { data: { title: "Secret merger plans" }, headers: { origin: app.url } })).json();

    await adminPage.goto("/admin");
    const rows = adminPage.getByRole("table", { name: "Users" }).getByRole("row");
    await expect(rows.filter({ hasText: userEmail })).toContainText("user");
    await expect(rows.filter({ hasText: userEmail })).toContainText("active");
    await expect(rows.filter({ hasText: adminEmail })).toContainText("admin");
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
    await expect(rows.filter({ hasText: userEmail })).toContainText("banned");
    expect((await userPage.request.get("/api/threads")).status()).toBe(401);
    await signIn(userPage, userEmail, password);
    await expect(userPage.getByRole("alert").filter({ hasText: "This account is suspended: Spamming the model" })).toBeVisible();

    await rows.filter({ hasText: userEmail }).getByRole("button", { name: "Unban" }).click();
    await expect(rows.filter({ hasText: userEmail })).toContainText("active");
    await signIn(userPage, userEmail, password);
    await expect(userPage).toHaveURL(/\/$/);

    // Make the member an admin: now the owner may step down.
    await rows.filter({ hasText: userEmail }).getByRole("button", { name: "Make admin" }).click();
    await expect(rows.filter({ hasText: userEmail })).toContainText("admin");
    await rows.filter({ hasText: adminEmail }).getByRole("button", { name: "Remove admin" }).click();
    await expect(adminPage.getByRole("status")).toContainText("no longer an admin");
  } finally {
    await adminContext.close();
    await userContext.close();
    await app.stop();
  }
});
