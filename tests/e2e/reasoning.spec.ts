import { expect, test, type Page } from "@playwright/test";
import { chatPage } from "./chat-page";
import { releaseReply, signUp } from "./helpers";
import { uniqueEmail } from "../support/unique-email";
import { onPatientInstance } from "./instances";

const thinking = "Let me think about that.";

let asked = 0;
async function thinkAndAnswer(page: Page) {
  const chat = chatPage(page);
  // The model stops half-way through its thinking until the test lets it go on: the thinking is
  // seen while it goes on, however slow the machine.
  const text = `Ponder this [reason] [delay=400] [hold=3] #${process.pid}-${asked++}`;
  await chat.send(text);
  const block = chat.replies.locator("details");
  // Open while the model thinks...
  await expect(block).toHaveAttribute("open", "");
  await expect(block).toContainText("Let me");
  await releaseReply(text);
  // ...folded once the answer starts.
  await expect(chat.replies).toContainText("Fake model says:");
  await expect(block).not.toHaveAttribute("open");
  await expect(chat.replies).toContainText("— done.");

  await page.reload();
  const again = chat.replies.locator("details");
  await expect(again).not.toHaveAttribute("open");
  await again.getByText("Thinking").click();
  await expect(again).toContainText(thinking);
  return chat.threadId();
}

test("Chat Completions: reasoning_content shows as a Thinking block that folds when the answer starts and survives a reload", async ({
  browser,
}) => {
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
