import { expect, test, type Page } from "@playwright/test";
import { releaseReply, signUp } from "./helpers";
import { uniqueEmail } from "../support/unique-email";
import { onPatientInstance } from "./instances";

const thinking = "Let me think about that.";

let asked = 0;
async function thinkAndAnswer(page: Page) {
  const composer = page.getByRole("textbox", { name: "Message" });
  // The model stops half-way through its thinking until the test lets it go on: the thinking is
  // seen while it goes on, however slow the machine.
  const text = `Ponder this [reason] [delay=400] [hold=3] #${process.pid}-${asked++}`;
  await composer.fill(text);
  await composer.press("Enter");
  const block = page.locator('[data-role="assistant"] details');
  // Open while the model thinks...
  await expect(block).toHaveAttribute("open", "");
  await expect(block).toContainText("Let me");
  await releaseReply(text);
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


test("Chat Completions: reasoning_content shows as a Thinking block that folds when the answer starts and survives a reload", async ({ browser }) => {
  await onPatientInstance(browser, "thinker", {}, async (page) => {
    await signUp(page, "Thinker", uniqueEmail("thinker"));
    const threadId = await thinkAndAnswer(page);
    const markdown = await (await page.request.get(`/api/threads/${threadId}/export?format=markdown`)).text();
    expect(markdown).toContain("Fake model says:");
    expect(markdown).not.toContain(thinking);
    const json = await (await page.request.get(`/api/threads/${threadId}/export?format=json`)).text();
    expect(json).toContain(thinking);
  });
});

test("Responses API: the reasoning summary shows and survives the same way", async ({ browser }) => {
  await onPatientInstance(browser, "responses", { OPENAI_API_MODE: "responses" }, async (page) => {
    await signUp(page, "Responder", uniqueEmail("responder"));
    await thinkAndAnswer(page);
  });
});
