import { expect, type APIRequest, type Page } from "@playwright/test";

let counter = 0;
export const uniqueEmail = (prefix: string) =>
  `${prefix}-${process.pid}-${Date.now()}-${counter++}@example.com`;

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
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** A signed-up user's own HTTP client (cookies kept per context), for API-level tests. */
export async function apiUser(playwright: { request: APIRequest }, baseURL: string, name: string) {
  const context = await playwright.request.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  const response = await context.post("/api/auth/sign-up/email", {
    data: { name, email: uniqueEmail(name.toLowerCase()), password },
  });
  expect(response.status()).toBe(200);
  const { user } = (await response.json()) as { user: { id: string } };
  return { request: context, userId: user.id };
}

/** The last user texts the fake model has been sent. */
export async function modelRequests(): Promise<string[]> {
  const url = process.env.E2E_MODEL_URL!.replace(/\/v1$/, "");
  const res = await fetch(`${url}/__requests`);
  return ((await res.json()) as { requests: string[] }).requests;
}

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
