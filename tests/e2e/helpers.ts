import { expect, type APIRequest, type Page } from "@playwright/test";
import { uniqueEmail } from "../support/unique-email";

let counter = 0;

export const password = "correct horse battery";

export async function signUp(page: Page, name: string, email = uniqueEmail(name.toLowerCase())) {
  await page.goto("/sign-up");
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign up" }).click();
  await expect(page).toHaveURL(/\/$/);
  return email;
}

export async function signIn(page: Page, email: string, pass = password) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(pass);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
}

/** A signed-up user's own HTTP client (cookies kept per context), for API-level tests. */
export async function apiUser(playwright: { request: APIRequest }, baseURL: string, name: string) {
  const context = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  const response = await context.post("/api/auth/sign-up/email", {
    data: { name, email: uniqueEmail(name.toLowerCase().replace(/\W+/g, "-")), password },
  });
  expect(response.status()).toBe(200);
  const { user } = (await response.json()) as { user: { id: string } };
  return { request: context, userId: user.id };
}

/**
 * The main test server's admin (global-setup lists it in ADMIN_EMAILS): signed up once, signed in
 * after that (a retried test). ADMIN_EMAILS makes an address admin only once it is verified, so
 * the address is marked verified in the database (as the mailed link would) before the sign-in
 * that promotes it.
 */
export const e2eAdminEmail = "e2e-admin@example.com";

export async function apiAdmin(playwright: { request: APIRequest }, baseURL: string, databaseUrl?: string) {
  const context = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  await context.post("/api/auth/sign-up/email", { data: { name: "E2E Admin", email: e2eAdminEmail, password } });
  const { withDb } = await import("./db");
  await withDb(
    (client) => client.query(`update "user" set email_verified = true where email = $1`, [e2eAdminEmail]),
    databaseUrl,
  );
  const response = await context.post("/api/auth/sign-in/email", { data: { email: e2eAdminEmail, password } });
  expect(response.status()).toBe(200);
  const { user } = (await response.json()) as { user: { id: string } };
  return { request: context, userId: user.id };
}

/** The fake model server's own routes (see tests/support/fake-openai.ts): /__requests, /__parts, /__closed, /__release. */
export const fakeModel = (route: string) => `${process.env.E2E_MODEL_URL!.replace(/\/v1$/, "")}${route}`;

/** Lets a reply held by a `[hold=N]` marker go on (see tests/support/fake-openai.ts): `text` is its user message. */
export async function releaseReply(text: string) {
  const res = await fetch(fakeModel("/__release"), { method: "POST", body: JSON.stringify({ text }) });
  if (res.status !== 204) throw new Error(`release: HTTP ${res.status}`);
}

/** The last user texts the fake model has been sent. */
export async function modelRequests(): Promise<string[]> {
  const res = await fetch(fakeModel("/__requests"));
  return ((await res.json()) as { requests: string[] }).requests;
}

/** What the fake model received besides words, newest last (see tests/support/fake-openai.ts). */
export async function modelParts(): Promise<import("../support/fake-openai").ReceivedParts[]> {
  return (
    (await (await fetch(fakeModel("/__parts"))).json()) as { parts: import("../support/fake-openai").ReceivedParts[] }
  ).parts;
}

/** The signed-in user's threads as GET /api/threads lists them (its first page). */
export async function listThreads(request: import("@playwright/test").APIRequestContext) {
  return (
    (await (await request.get("/api/threads")).json()) as {
      threads: { id: string; title: string | null; model: string }[];
    }
  ).threads;
}

/** POST /api/attachments with one file, as the browser sends it. */
export function uploadFile(
  request: import("@playwright/test").APIRequestContext,
  name: string,
  bytes: Buffer,
  mimeType = "application/octet-stream",
) {
  return request.post("/api/attachments", { multipart: { file: { name, mimeType, buffer: bytes } } });
}

/** A file part naming an upload, as the app's client puts it in a message. */
export const filePart = (upload: { id: string; name: string; type: string }) => ({
  type: "file",
  mediaType: upload.type,
  filename: upload.name,
  url: `/api/attachments/${upload.id}`,
});

export function chatBody(threadId: string, text: string, id = `u-${Date.now()}-${counter++}`) {
  return {
    id: threadId,
    trigger: "submit-message",
    messages: [{ id, role: "user", parts: [{ type: "text", text }] }],
  };
}

/** The newest link mailed to `email` (the server logs mail when no SMTP_URL is set). */
export async function mailedLink(email: string, pathPart: string): Promise<string> {
  const { readFileSync } = await import("node:fs");
  for (let i = 0; i < 50; i++) {
    const log = readFileSync(process.env.E2E_SERVER_LOG!, "utf8");
    const mails = log.split("[mail] to ").filter((m) => m.startsWith(`${email}:`));
    const link = mails.at(-1)?.match(new RegExp(`https?://\\S*${pathPart}\\S*`))?.[0];
    if (link) return link;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail with ${pathPart} for ${email}`);
}

/** "Forgot password?" from the sign-in page, then the mailed link, as a person does it. */
export async function resetPasswordByMail(page: Page, email: string, newPassword: string) {
  await page.goto("/sign-in");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  // The sign-in page has an Email field too: wait until the reset page has replaced it.
  await expect(page.getByRole("heading", { name: "Reset your password" })).toBeVisible();
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send reset link" }).click();
  await expect(page.getByRole("status")).toContainText("If an account uses that address");

  await page.goto(await mailedLink(email, "/reset-password"));
  await expect(page).toHaveURL(/\/reset-password\?token=/);
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Set new password" }).click();
  await expect(page.getByRole("status")).toContainText("Your password is changed");
}

/** Headers a client can send to claim another address; none may change which address the app limits. */
export const forgedAddressHeaders: Record<string, string>[] = [
  { "x-forwarded-for": "8.8.8.8" },
  { "x-forwarded-for": "8.8.4.4, 127.0.0.1" },
  { "x-forwarded-for": "1.1.1.1, 10.0.0.1, 192.168.0.1" },
  { "x-forwarded-for": "2001:db8::1" },
  { "x-forwarded-for": "::ffff:9.9.9.9" },
  { "x-forwarded-for": "unknown" },
  { "x-forwarded-for": "' OR '1'='1" },
  { "x-forwarded-for": Array.from({ length: 200 }, (_, i) => `10.1.${i >> 8}.${i & 255}`).join(", ") },
  { "x-real-ip": "9.9.9.9" },
  { forwarded: "for=10.0.0.9;proto=https" },
  { "cf-connecting-ip": "4.4.4.4" },
  { "true-client-ip": "5.5.5.5" },
  { "x-threadkeeper-client-address": "7.7.7.7" },
  { "x-threadkeeper-client-address": "7.7.7.8", "x-threadkeeper-client-stamp": "guessed" },
];
