import { expect, test, type Page } from "@playwright/test";
import { withDb } from "./db";
import { fakeModel, signUp, uniqueEmail } from "./helpers";
import { startInstance } from "./instances";

const composer = (page: Page) => page.getByRole("textbox", { name: "Message" });
const reply = (page: Page) => page.locator('[data-role="assistant"]').last();
// 200 tokens 20 ms apart: about four seconds of reply.
const slow = "Tell me a long story [tokens=200] [delay=20]";
const fullReply = Array.from({ length: 200 }, (_, i) => `t${i + 1}`).join(" ");

// Same database, model and secret as the main server, another process and port: another app instance.
const startSecondInstance = () => startInstance("second");

async function storedReplies(threadId: string) {
  return withDb(async (client) =>
    (await client.query(`select content->'parts' as parts, status from message where thread_id = $1 and role = 'assistant'`, [threadId])).rows as {
      parts: { type: string; text?: string }[];
      status: string;
    }[],
  );
}

const textOf = (parts: { type: string; text?: string }[]) => parts.filter((p) => p.type === "text").map((p) => p.text).join("").trim();

let stories = 0;
/** A slow reply to a text of its own: other tests ask the same fake model at the same time. */
async function startSlowReply(page: Page, text = `${slow} #${process.pid}-${stories++}`) {
  await signUp(page, "Resumer");
  await composer(page).fill(text);
  await composer(page).press("Enter");
  await expect(page).toHaveURL(/\/chat\//);
  await expect(reply(page)).toContainText("t20 ");
  return { threadId: new URL(page.url()).pathname.split("/").at(-1)!, text };
}

test("a reload mid-reply shows what was written at once and follows the rest, storing the reply once", async ({ page }) => {
  const { threadId, text } = await startSlowReply(page);
  await page.waitForTimeout(1000);
  const before = (await reply(page).innerText()).trim();
  const reloaded = Date.now();
  await page.reload();
  // What was already shown is back at once (the recording replays from the start)...
  await expect(reply(page)).toContainText(before.split(" ").slice(0, 20).join(" "), { timeout: 3000 });
  console.log(`resume: reply text back ${Date.now() - reloaded} ms after the reload started`);
  // ...and grows to the whole reply, from the same model call.
  await expect(reply(page)).toContainText(fullReply, { timeout: 15_000 });
  await expect.poll(() => storedReplies(threadId)).toHaveLength(1);
  const [stored] = await storedReplies(threadId);
  expect(textOf(stored.parts)).toBe(fullReply);
  expect(stored.status).toBe("complete");
  const calls = await (await fetch(fakeModel("/__requests"))).json();
  expect((calls.requests as string[]).filter((r) => r.endsWith(text) && !r.includes(" title]"))).toHaveLength(1);
  // The recording is gone once the reply has ended and a minute has passed; right now it is marked done.
  const none = await page.request.get(`/api/threads/${threadId}/stream`);
  expect(none.status()).toBe(204);
  // When the thread last got a message, so a page rendered just before the reply was stored can tell.
  expect(Date.parse(none.headers()["x-thread-last-message-at"])).toBeGreaterThan(Date.now() - 60_000);
});

test("a second tab and a second app instance follow the same live reply", async ({ page, context }) => {
  const second = await startSecondInstance();
  try {
    const { threadId } = await startSlowReply(page);
    const path = `/chat/${threadId}`;

    const tab = await context.newPage();
    await tab.goto(path);
    await expect(reply(tab)).toContainText("t40 ", { timeout: 5000 });

    // The other instance (cookies are per host, not per port: the same session).
    const other = await context.newPage();
    await other.goto(`${second.url}${path}`);
    await expect(reply(other)).toContainText("t60 ", { timeout: 5000 });

    for (const p of [page, tab, other]) await expect(reply(p)).toContainText(fullReply, { timeout: 15_000 });
    await expect.poll(() => storedReplies(threadId)).toHaveLength(1);
    await tab.reload();
    await expect(reply(tab)).toContainText(fullReply);
  } finally {
    await second.stop();
  }
});

async function modelClosedAfter(text: string, since: number): Promise<number | null> {
  const { closed } = (await (await fetch(fakeModel("/__closed"))).json()) as { closed: { text: string; at: number }[] };
  const hit = closed.find((c) => c.text === text && c.at >= since);
  return hit ? hit.at - since : null;
}

test("Stop aborts the model request within a second, and the stored reply is what the screen shows", async ({ page }) => {
  const text = "Stop me early [tokens=300] [delay=20]";
  await signUp(page, "Stopper");
  await composer(page).fill(text);
  await composer(page).press("Enter");
  await expect(reply(page)).toContainText("t20 ");
  const threadId = new URL(page.url()).pathname.split("/").at(-1)!;
  const pressed = Date.now();
  await page.getByRole("button", { name: "Stop", exact: true }).click();
  await expect.poll(() => modelClosedAfter(text, pressed), { timeout: 3000 }).not.toBeNull();
  expect(await modelClosedAfter(text, pressed)).toBeLessThan(1000);
  console.log(`stop (sending tab): model request closed ${await modelClosedAfter(text, pressed)} ms after Stop`);

  const shown = (await reply(page).innerText()).trim();
  await expect.poll(async () => (await storedReplies(threadId)).map((r) => textOf(r.parts))).toEqual([shown]);
  expect((await storedReplies(threadId))[0].status).toBe("incomplete");
  await page.reload();
  await expect(reply(page)).toHaveText(shown);
});

test("Stop from a second tab on the other instance stops the reply everywhere", async ({ page, context }) => {
  const second = await startSecondInstance();
  try {
    const text = "Stop me from elsewhere [tokens=300] [delay=20]";
    await signUp(page, "Remote stopper", uniqueEmail("remote-stopper"));
    await composer(page).fill(text);
    await composer(page).press("Enter");
    await expect(reply(page)).toContainText("t10 ");
    const path = new URL(page.url()).pathname;
    const threadId = path.split("/").at(-1)!;

    const other = await context.newPage();
    await other.goto(`${second.url}${path}`);
    await expect(reply(other)).toContainText("t40 ");
    const pressed = Date.now();
    await other.getByRole("button", { name: "Stop", exact: true }).click();
    await expect.poll(() => modelClosedAfter(text, pressed), { timeout: 3000 }).not.toBeNull();
    // Well before the ~5 s the rest of the stream would take (the latency itself is a figure, logged, not a limit).
    expect(await modelClosedAfter(text, pressed)).toBeLessThan(3000);
    console.log(`stop (other tab, other instance): model request closed ${await modelClosedAfter(text, pressed)} ms after Stop`);

    // Every screen ends on the stored reply.
    await expect.poll(async () => (await storedReplies(threadId)).length).toBe(1);
    const [stored] = await storedReplies(threadId);
    expect(stored.status).toBe("incomplete");
    expect(textOf(stored.parts)).not.toContain("t300");
    for (const p of [page, other]) await expect(reply(p)).toHaveText(textOf(stored.parts), { timeout: 5000 });
  } finally {
    await second.stop();
  }
});
