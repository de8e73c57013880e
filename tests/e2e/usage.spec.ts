import { expect, test } from "@playwright/test";
import { fakeReplyTokens, fakeUsage } from "../support/fake-openai";
import { chatPage } from "./chat-page";
import { withDb } from "./db";
import { chatBody, modelRequests, signUp } from "./helpers";
import { uniqueEmail } from "../support/unique-email";
import { startInstance } from "./instances";

test("a reply records its model and the usage the provider reported; /account shows the month", async ({ page }) => {
  const chat = chatPage(page);
  await signUp(page, "Counter");
  const text = "Count my tokens [reason]";
  await chat.send(text);
  await expect(chat.lastReply).toContainText("— done.");
  const threadId = chat.threadId();
  const expected = fakeUsage(text, fakeReplyTokens(text), true);
  await expect
    .poll(() =>
      withDb(
        async (c) =>
          (await c.query(`select model, usage from message where thread_id = $1 and role = 'assistant'`, [threadId]))
            .rows,
      ),
    )
    .toEqual([
      {
        model: "fake-model",
        usage: {
          inputTokens: expected.input,
          outputTokens: expected.output,
          reasoningTokens: expected.reasoning,
          cachedInputTokens: expected.cached,
          totalTokens: expected.input + expected.output,
        },
      },
    ]);

  // The thread's title is a model call too: its tokens (1 in, 1 out from the fake) count in the month, as no message.
  await expect
    .poll(() =>
      withDb(async (c) => (await c.query(`select title from thread where id = $1`, [threadId])).rows[0].title),
    )
    .toMatch(/^Title: /);
  await page.goto("/account");
  const table = page.getByRole("region", { name: "Usage this month" }).getByRole("table");
  await expect(
    table.getByRole("row", { name: `fake-model 1 ${expected.input + 1} ${expected.output + 1}` }),
  ).toBeVisible();
});

test("with TOKEN_QUOTA_PER_MONTH used up, chat answers 429 quota_exceeded before the model is called", async ({
  browser,
}) => {
  const app = await startInstance("quota", { TOKEN_QUOTA_PER_MONTH: "20" });
  const context = await browser.newContext({ baseURL: app.url });
  try {
    const page = await context.newPage();
    const chat = chatPage(page);
    await signUp(page, "Spender", uniqueEmail("spender"));
    await chat.send("Spend my whole quota in one go please");
    await expect(chat.lastReply).toContainText("— done.");
    const threadId = chat.threadId();

    const refused = await page.request.post("/api/chat", {
      data: chatBody(threadId, "One more?"),
      headers: { origin: app.url },
    });
    expect(refused.status()).toBe(429);
    expect(Number(refused.headers()["retry-after"])).toBeGreaterThan(0);
    expect((await refused.json()).error).toMatchObject({
      code: "quota_exceeded",
      message: expect.stringMatching(/resets on \d{4}-\d{2}-01/),
    });
    // Other tests share the fake model: look for these texts, not at a count.
    expect((await modelRequests()).some((t) => t.includes("One more?"))).toBe(false);

    await chat.send("And in the browser?");
    await expect(page.getByRole("alert").filter({ hasText: /tokens for this month.*resets on/ })).toBeVisible();
    expect((await modelRequests()).some((t) => t.includes("And in the browser?"))).toBe(false);
  } finally {
    await context.close();
    await app.stop();
  }
});
