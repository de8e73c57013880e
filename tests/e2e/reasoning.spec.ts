import { expect, test, type Page } from "@playwright/test";
import { startApp } from "../support/app-server";
import { freePort } from "../support/postgres";
import { signUp, uniqueEmail } from "./helpers";

const thinking = "Let me think about that.";

async function thinkAndAnswer(page: Page) {
  const composer = page.getByRole("textbox", { name: "Message" });
  await composer.fill("Ponder this [reason] [delay=150]");
  await composer.press("Enter");
  const block = page.locator('[data-role="assistant"] details');
  // Open while the model thinks...
  await expect(block).toHaveAttribute("open", "");
  await expect(block).toContainText("Let me");
  // ...folded once the answer starts.
  await expect(page.locator('[data-role="assistant"]')).toContainText("Fake model says:");
  await expect(block).not.toHaveAttribute("open");
  await expect(page.locator('[data-role="assistant"]')).toContainText("— done.");

  await page.reload();
  const again = page.locator('[data-role="assistant"] details');
  await expect(again).not.toHaveAttribute("open");
  await again.getByText("Thinking").click();
  await expect(again).toContainText(thinking);
  return new URL(page.url()).pathname.split("/").at(-1)!;
}

test("Chat Completions: reasoning_content shows as a Thinking block that folds when the answer starts and survives a reload", async ({ page }) => {
  await signUp(page, "Thinker");
  const threadId = await thinkAndAnswer(page);
  const markdown = await (await page.request.get(`/api/threads/${threadId}/export?format=markdown`)).text();
  expect(markdown).toContain("Fake model says:");
  expect(markdown).not.toContain(thinking);
  const json = await (await page.request.get(`/api/threads/${threadId}/export?format=json`)).text();
  expect(json).toContain(thinking);
});

test("Responses API: the reasoning summary shows and survives the same way", async ({ browser }) => {
  const port = await freePort();
  const env = { ...process.env, ...(JSON.parse(process.env.E2E_APP_ENV!) as Record<string, string>), BETTER_AUTH_URL: `http://127.0.0.1:${port}`, OPENAI_API_MODE: "responses" };
  const app = await startApp(port, env, `${process.env.E2E_SERVER_LOG}.responses-${port}`);
  const context = await browser.newContext({ baseURL: app.url });
  try {
    const page = await context.newPage();
    await signUp(page, "Responder", uniqueEmail("responder"));
    await thinkAndAnswer(page);
  } finally {
    await context.close();
    await app.stop();
  }
});
