import { expect, test, type Page } from "@playwright/test";
import { signUp, uniqueEmail } from "./helpers";
import { startInstance } from "./instances";

const thinking = "Let me think about that.";

async function thinkAndAnswer(page: Page) {
  const composer = page.getByRole("textbox", { name: "Message" });
  await composer.fill("Ponder this [reason] [delay=400]");
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
  const app = await startInstance("responses", { OPENAI_API_MODE: "responses" });
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
