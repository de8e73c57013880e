import { expect, test } from "@playwright/test";
import { apiAdmin, apiUser, password } from "./helpers";
import { uniqueEmail } from "../support/unique-email";
import { snapshotUsers, withDb } from "./db";

const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;

/** What the attacker's review used: each of these changed an account or read its sessions, for an admin. */
const removedAdminEndpoints = (target: string, email: string): [string, string, unknown?][] => [
  ["POST", "/api/auth/admin/set-user-password", { userId: target, newPassword: "chosen by the admin" }],
  [
    "POST",
    "/api/auth/admin/update-user",
    {
      userId: target,
      data: { email: "taken-over@example.com", twoFactorEnabled: false, role: "admin", name: "owned" },
    },
  ],
  [
    "POST",
    "/api/auth/admin/create-user",
    { email, password: "chosen by the admin", name: "Made by admin", role: "admin" },
  ],
  ["POST", "/api/auth/admin/list-user-sessions", { userId: target }],
  ["POST", "/api/auth/admin/impersonate-user", { userId: target }],
  ["POST", "/api/auth/admin/stop-impersonating", {}],
  ["POST", "/api/auth/admin/set-role", { userId: target, role: "admin" }],
  ["POST", "/api/auth/admin/ban-user", { userId: target }],
  ["POST", "/api/auth/admin/unban-user", { userId: target }],
  ["POST", "/api/auth/admin/revoke-user-session", { sessionToken: "x" }],
  ["POST", "/api/auth/admin/revoke-user-sessions", { userId: target }],
  ["POST", "/api/auth/admin/remove-user", { userId: target }],
  ["POST", "/api/auth/admin/has-permission", { permissions: { user: ["set-password"] } }],
  ["GET", `/api/auth/admin/list-users`],
  ["GET", `/api/auth/admin/get-user?id=${target}`],
  // Not admin endpoints, but ones that hand out tokens or change what the pages never change.
  ["GET", "/api/auth/list-sessions"],
  ["POST", "/api/auth/change-email", { newEmail: "taken-over@example.com" }],
  ["POST", "/api/auth/two-factor/get-totp-uri", { password }],
];

test("better-auth's admin endpoints answer 404 in the app's shape to an admin, and change nothing: the person's password still works", async ({
  playwright,
}) => {
  const admin = await apiAdmin(playwright, baseURL);
  const target = await apiUser(playwright, baseURL, "Surface target");
  const targetEmail = (await withDb((c) => c.query(`select email from "user" where id = $1`, [target.userId]))).rows[0]
    .email as string;
  const madeEmail = uniqueEmail("made-by-admin");
  const before = await snapshotUsers([target.userId, admin.userId]);
  const sessionsBefore = await withDb((c) =>
    c.query(`select count(*)::int as n from session where user_id = $1`, [target.userId]),
  );

  for (const [method, path, data] of removedAdminEndpoints(target.userId, madeEmail)) {
    const response = await admin.request.fetch(path, { method, data });
    expect(response.status(), `${method} ${path}`).toBe(404);
    expect(await response.json(), `${method} ${path}`).toEqual({
      error: { code: "not_found", message: expect.any(String), requestId: expect.any(String) },
    });
  }
  // The admin's own session still reads fine: the allow-list is not a blanket refusal.
  expect((await (await admin.request.get("/api/auth/get-session")).json()).user.id).toBe(admin.userId);

  // Nothing changed: the person's rows (name, email, role, password hash, two-factor flag) and sessions are as they were.
  expect(await snapshotUsers([target.userId, admin.userId])).toEqual(before);
  expect(
    await withDb((c) => c.query(`select count(*)::int as n from session where user_id = $1`, [target.userId])),
  ).toMatchObject({ rows: sessionsBefore.rows });
  expect(
    (await withDb((c) => c.query(`select count(*)::int as n from "user" where email = $1`, [madeEmail]))).rows[0].n,
  ).toBe(0);
  const fresh = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  expect(
    (
      await fresh.post("/api/auth/sign-in/email", { data: { email: targetEmail, password: "chosen by the admin" } })
    ).status(),
  ).toBe(401);
  expect((await fresh.post("/api/auth/sign-in/email", { data: { email: targetEmail, password } })).status()).toBe(200);
  for (const c of [admin.request, target.request, fresh]) await c.dispose();
});

test("every other /api/auth path, method or spelling is a 404 in the app's JSON shape, signed in or not", async ({
  playwright,
}) => {
  const user = await apiUser(playwright, baseURL, "Surface user");
  const anonymous = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  for (const client of [anonymous, user.request]) {
    for (const [method, path] of [
      ["GET", "/api/auth/ok"],
      ["GET", "/api/auth/nothing-here"],
      ["POST", "/api/auth/get-session"],
      ["GET", "/api/auth/sign-out"],
      ["POST", "/api/auth/sign-out/"],
      ["POST", "/api/auth/SIGN-OUT"],
      ["POST", "/api/auth/sign%2Dout"],
      ["PUT", "/api/auth/sign-out"],
      ["DELETE", "/api/auth/sign-out"],
      ["GET", "/api/auth/passkey/list-user-passkeys"],
      ["POST", "/api/auth/callback/github"],
      ["GET", "/api/auth/delete-user/callback?token=x"],
      ["POST", "/api/auth/revoke-sessions"],
      ["POST", "/api/auth/update-session"],
    ] as const) {
      const response = await client.fetch(path, { method, data: method === "GET" ? undefined : {}, maxRedirects: 0 });
      // Next.js answers a method a route does not export (PUT, DELETE) with its own 405 before the handler runs.
      if (method === "PUT" || method === "DELETE") {
        expect(response.status(), `${method} ${path}`).toBe(405);
        continue;
      }
      // A trailing slash is Next.js's redirect to the path without it (which is then checked like any other).
      if (path.endsWith("/")) {
        expect(response.status(), `${method} ${path}`).toBe(308);
        continue;
      }
      expect(response.status(), `${method} ${path}`).toBe(404);
      expect((await response.json()).error.code, `${method} ${path}`).toBe("not_found");
    }
  }
  await user.request.dispose();
  await anonymous.dispose();
});

test("an admin sends a password-reset link from /admin: audited, the link never shown to the admin, and the person's sessions end when they use it", async ({
  browser,
  playwright,
}) => {
  const admin = await apiAdmin(playwright, baseURL);
  const target = await apiUser(playwright, baseURL, "Reset target");
  const targetEmail = (await withDb((c) => c.query(`select email from "user" where id = $1`, [target.userId]))).rows[0]
    .email as string;
  const context = await browser.newContext({ baseURL });
  await context.addCookies((await admin.request.storageState()).cookies);
  const page = await context.newPage();
  await page.goto(`/admin?q=${encodeURIComponent(targetEmail)}`);
  const row = page.getByRole("table", { name: "Users" }).getByRole("row").filter({ hasText: targetEmail });
  page.on("dialog", (dialog) => void dialog.accept());
  const answer = page.waitForResponse((r) => r.url().endsWith(`/api/admin/users/${target.userId}/password-reset`));
  await row.getByRole("button", { name: "Send password reset link" }).click();
  const response = await answer;
  // 204: no body at all, so neither the link nor its token reaches the admin's browser.
  expect(response.status()).toBe(204);
  await expect(page.getByText(`A password reset link is on its way to ${targetEmail}.`)).toBeVisible();

  const audit = await withDb((c) =>
    c.query(
      `select actor_id, target_id, detail from audit_event where action = 'admin_password_reset_sent' and target_id = $1`,
      [target.userId],
    ),
  );
  expect(audit.rows).toEqual([{ actor_id: admin.userId, target_id: target.userId, detail: null }]);
  // The token is in the database (and the person's email or the server log); nothing the admin got carries it.
  const token = (
    await withDb((c) =>
      c.query(`select identifier from verification where value = $1 and identifier like 'reset-password:%'`, [
        target.userId,
      ]),
    )
  ).rows[0].identifier.replace("reset-password:", "") as string;
  expect(await page.content()).not.toContain(token);
  expect((await target.request.get("/api/threads")).status()).toBe(200);

  const person = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  expect(
    (
      await person.post("/api/auth/reset-password", { data: { token, newPassword: "the person's own choice" } })
    ).status(),
  ).toBe(200);
  expect((await target.request.get("/api/threads")).status()).toBe(401);
  expect(
    (
      await person.post("/api/auth/sign-in/email", {
        data: { email: targetEmail, password: "the person's own choice" },
      })
    ).status(),
  ).toBe(200);
  for (const c of [admin.request, target.request, person]) await c.dispose();
  await context.close();
});
