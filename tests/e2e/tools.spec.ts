import { readFileSync } from "node:fs";
import { expect, test, type BrowserContext, type Page } from "@playwright/test";
import { imageLinksMarkdown } from "../support/mcp-server";
import { chatPage } from "./chat-page";
import { withDb } from "./db";
import { signUp } from "./helpers";
import {
  openServerName,
  personalServerName,
  personalToken,
  startToolsInstance,
  startOAuthServer,
  addFailingServer,
  toolMarker,
  toolsUi,
  type ToolsInstance,
} from "./tools";

/*
 * Tools in the chat, as a person uses them: the Tools menu, a call waiting for Run or Deny, its
 * arguments and result, the model's answer after it, Stop and reload in the middle of one, and a
 * per-person server that never lends one person's sign-in to another. MCP servers are
 * instance-wide, so the file has an instance of its own (one per worker: the tests run in order).
 */
test.describe.configure({ mode: "default" });

let tools: ToolsInstance;
let context: BrowserContext;

test.beforeAll(async ({ playwright }) => {
  test.setTimeout(120_000);
  tools = await startToolsInstance(playwright, "tools");
});

test.afterAll(async () => {
  await tools?.stop();
});

test.beforeEach(async ({ browser }) => {
  context = await tools.newContext(browser);
});

test.afterEach(async () => {
  await context?.close();
});

/** A fresh person on the tools instance, in a new thread with the open server's Echo (or `tool`) switched on. */
async function personWithTool(name: string, tool = "Echo", server = openServerName) {
  const page = await context.newPage();
  await signUp(page, name);
  const ui = toolsUi(page);
  await ui.setTool(server, tool);
  return { page, chat: chatPage(page), ui };
}

const waitingCall = (page: Page) => toolsUi(page).calls(chatPage(page).lastReply).last();

test("a tool switched on in the Tools menu is called, waits for Run, and its result reaches the model", async () => {
  const { page, chat, ui } = await personWithTool("Runner");
  // The thread was made when the menu opened; its tool stays switched on after a reload.
  await expect(page).toHaveURL(/\/chat\//);
  await page.reload();
  await ui.button.click();
  await expect(ui.group(openServerName).getByRole("heading", { name: openServerName })).toBeVisible();
  await expect(ui.group(openServerName).getByRole("checkbox", { name: "Echo", exact: true })).toBeChecked();
  await expect(ui.group(openServerName).getByRole("checkbox", { name: "add", exact: true })).not.toBeChecked();
  await page.keyboard.press("Escape");

  await chat.send(`Echo this ${toolMarker("echo", { text: "hi from the tool" })}`);
  const call = waitingCall(page);
  await expect(call.locator("summary")).toContainText(`Tool: ${openServerName} · `);
  await expect(call.locator("summary")).toContainText("waiting for you");
  // The arguments are shown before the person decides.
  await expect(call.locator("pre").first()).toContainText('"text": "hi from the tool"');
  await ui.runButton(call).click();
  await expect(call.locator("summary")).toContainText("done");
  await expect(ui.runButton(call)).toHaveCount(0);
  await expect(await ui.result(call)).toHaveText("hi from the tool");
  await expect(chat.lastReply).toContainText("Tool result: hi from the tool");
  expect(tools.mcp.open.calls.filter((c) => c.tool === "echo").length).toBeGreaterThan(0);

  // Stored with the reply: after a reload the call is still there, done, with its result.
  await expect(chat.sendButton).toBeVisible();
  await page.reload();
  const stored = toolsUi(page).calls(chat.lastReply).first();
  await expect(stored.locator("summary")).toContainText("done");
  await expect(await ui.result(stored)).toHaveText("hi from the tool");
  await expect(chat.lastReply).toContainText("Tool result: hi from the tool");

  // The Markdown export names the tool and its outcome, not its arguments or result.
  const markdown = await (await page.request.get(`/api/threads/${chat.threadId()}/export?format=markdown`)).text();
  expect(markdown).toMatch(/Tool .*echo.*: allowed/i);
  const json = await (await page.request.get(`/api/threads/${chat.threadId()}/export?format=json`)).text();
  expect(json).toContain("hi from the tool");
});

test("the Tools menu answers at once while the share link's code is still on its way", async () => {
  const page = await context.newPage();
  await signUp(page, "Patient");
  // The share link's panel loads once the new thread has its id (opening the menu makes the thread).
  // Its code is held back here; the rest of the page must not wait for it.
  let requested: () => void;
  const chunkRequested = new Promise<void>((resolve) => (requested = resolve));
  let release: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await page.route(/\/_next\/static\/chunks\/.+\.js$/, async (route) => {
    const response = await route.fetch();
    const body = await response.text();
    if (body.includes('"Share link"')) {
      requested();
      await released;
    }
    await route.fulfill({ response, body });
  });
  const ui = toolsUi(page);
  await ui.button.click();
  const box = ui.group(openServerName).getByRole("checkbox", { name: "Echo", exact: true });
  await expect(box).toBeEnabled();
  await chunkRequested;
  await box.click();
  await expect(box).toBeChecked({ timeout: 2_000 });
  release!();
  await expect(page.getByRole("button", { name: "Share link" })).toBeVisible();
  await expect(box).toBeChecked();
});

test("Deny: the tool does not run and the model is told so", async () => {
  const { page, chat, ui } = await personWithTool("Denier");
  const before = tools.mcp.open.calls.length;
  await chat.send(`Deny this ${toolMarker("echo", { text: "never sent" })}`);
  const call = waitingCall(page);
  await expect(call.locator("summary")).toContainText("waiting for you");
  await ui.denyButton(call).click();
  await expect(call.locator("summary")).toContainText("denied");
  await expect(chat.lastReply).toContainText("declined");
  expect(tools.mcp.open.calls.length).toBe(before);
  await expect(chat.sendButton).toBeVisible();
  await page.reload();
  await expect(toolsUi(page).calls(chat.lastReply).first().locator("summary")).toContainText("denied");
});

test("Always allow: the next call of that tool in the thread runs without asking", async () => {
  const { page, chat, ui } = await personWithTool("Allower");
  await chat.send(`First ${toolMarker("echo", { text: "one" })}`);
  const first = waitingCall(page);
  await expect(first.locator("summary")).toContainText("waiting for you");
  await ui.alwaysAllow(first).check();
  await ui.runButton(first).click();
  await expect(chat.lastReply).toContainText("Tool result: one");
  await expect(chat.sendButton).toBeVisible();

  await chat.send(`Second ${toolMarker("echo", { text: "two" })}`);
  await expect(chat.lastReply).toContainText("Tool result: two");
  const second = ui.calls(chat.lastReply).first();
  await expect(second.locator("summary")).toContainText("done");
  await expect(ui.runButton(chat.lastReply)).toHaveCount(0);
  // The menu says so.
  await ui.button.click();
  await expect(ui.group(openServerName)).toContainText("always allowed in this thread");
});

test("a reload while a call waits for the person: Run and Deny are still there, and Run works", async () => {
  const { page, chat, ui } = await personWithTool("Reloader");
  await chat.send(`Wait for me ${toolMarker("echo", { text: "after reload" })}`);
  await expect(waitingCall(page).locator("summary")).toContainText("waiting for you");
  await page.reload();
  const call = waitingCall(page);
  await expect(call.locator("summary")).toContainText("waiting for you");
  await expect(ui.denyButton(call)).toBeVisible();
  await ui.runButton(call).click();
  await expect(chat.lastReply).toContainText("Tool result: after reload");
  await expect(chat.sendButton).toBeVisible();
  await page.reload();
  await expect(toolsUi(page).calls(chat.lastReply).first().locator("summary")).toContainText("done");
});

test("Stop during a slow tool ends the call and the turn; the reply is stored", async () => {
  const { page, chat, ui } = await personWithTool("Stopper", "slow");
  await chat.send(`Take your time ${toolMarker("slow", { ms: 60_000 })}`);
  const call = waitingCall(page);
  const requests = tools.mcp.open.requests;
  await ui.runButton(call).click();
  await expect(call.locator("summary")).toContainText("running");
  // The call has reached the server (its handler records the call only once it ends).
  await expect.poll(() => tools.mcp.open.requests).toBeGreaterThan(requests);
  await page.waitForTimeout(300);
  await chat.stopButton.click();
  await expect(chat.sendButton).toBeVisible();
  await expect(call.locator("summary")).toContainText(/stopped|failed/);
  // The tool's own handler was aborted (it answers "aborted" and is recorded when it ends).
  await expect
    .poll(() => tools.mcp.open.calls.filter((c) => c.tool === "slow").map((c) => c.handlerMs < 30_000), {
      timeout: 15_000,
    })
    .toContain(true);
  await page.waitForTimeout(1500);
  await page.reload();
  await expect(chat.userMessages).toContainText("Take your time");
  await expect(toolsUi(page).calls(chat.lastReply).first().locator("summary")).toContainText(/stopped|failed/);
  await expect(chat.messageBox).toBeEnabled();
});

test("a tool result with Markdown images and links shows as plain text: no image is loaded", async () => {
  const { page, chat, ui } = await personWithTool("Viewer", "image_links");
  const images: string[] = [];
  page.on("request", (request) => {
    if (request.resourceType() === "image") images.push(request.url());
  });
  await chat.send(`Show me ${toolMarker("image_links", {})}`);
  const call = waitingCall(page);
  await ui.runButton(call).click();
  await expect(call.locator("summary")).toContainText("done");
  const result = await ui.result(call);
  await expect(result).toContainText(imageLinksMarkdown);
  await expect(result).toContainText("[image omitted]");
  await expect(chat.sendButton).toBeVisible();
  await expect(chat.lastReply.locator("img")).toHaveCount(0);
  await expect(call.locator("a")).toHaveCount(0);
  expect(images.filter((url) => !url.startsWith("data:"))).toEqual([]);
});

test("a server that stopped answering is shown as Unavailable in the Tools menu", async () => {
  const failing = await addFailingServer(tools, "Gone tools");
  try {
    const page = await context.newPage();
    await signUp(page, "Looker");
    const ui = toolsUi(page);
    await ui.button.click();
    const group = ui.group("Gone tools");
    await expect(group).toContainText("Unavailable");
    await expect(ui.group(openServerName)).not.toContainText("Unavailable");
    // Escape closes the menu and gives the focus back to the button.
    await page.keyboard.press("Escape");
    await expect(ui.menu).toBeHidden();
    await expect(ui.button).toBeFocused();
  } finally {
    await failing.remove();
  }
});

test("a per-person server: someone without their own connection is asked to connect, and never uses another person's", async () => {
  const { page, chat, ui } = await personWithTool("Borrower", "Echo", personalServerName);
  await ui.button.click();
  await expect(ui.group(personalServerName).getByRole("link", { name: "Connect your account" })).toHaveAttribute(
    "href",
    "/account#tools",
  );
  await expect(ui.group(openServerName).getByRole("link", { name: "Connect your account" })).toHaveCount(0);
  await page.keyboard.press("Escape");

  // The admin's own token is stored for this server; the borrower's turn must not use it: the
  // tool is not run (or, if the model is offered it, its call fails for want of a sign-in).
  const before = tools.mcp.personal.calls.length;
  await chat.send(`Borrow ${toolMarker("echo", { text: "borrowed" })}`);
  await expect(chat.lastReply).toContainText(/done\.|Tool result|Not run/);
  const run = ui.runButton(chat.lastReply);
  if (await run.isVisible()) await run.click();
  await expect(chat.sendButton).toBeVisible();
  await expect(chat.lastReply).not.toContainText("Tool result: borrowed");
  for (const call of await ui.calls(chat.lastReply).all())
    await expect(call.locator("summary")).toContainText("failed");
  expect(tools.mcp.personal.calls.slice(before)).toEqual([]);

  // With their own token the same tool works for them, and the link is gone.
  expect(
    (
      await page.request.put(`/api/tool-connections/${tools.servers.personal.id}`, { data: { token: personalToken } })
    ).status(),
  ).toBe(200);
  await ui.button.click();
  await expect(ui.group(personalServerName).getByRole("checkbox", { name: "Echo", exact: true })).toBeChecked();
  await expect(ui.group(personalServerName).getByRole("link", { name: "Connect your account" })).toHaveCount(0);
  await page.keyboard.press("Escape");
  await chat.send(`Now mine ${toolMarker("echo", { text: "my own" })}`);
  await ui.runButton(waitingCall(page)).click();
  await expect(chat.lastReply).toContainText("Tool result: my own");
  expect(tools.mcp.personal.calls.slice(before).map((c) => [c.tool, c.authorization])).toEqual([
    ["echo", `Bearer ${personalToken}`],
  ]);
});

test("per-person OAuth: each person signs in on their own; the second is never called with the first one's token", async () => {
  const oauth = await startOAuthServer(tools);
  try {
    // The first person connects their account through the server's sign-in, from /account.
    const first = await context.newPage();
    await signUp(first, "OauthFirst");
    oauth.issuer.signInAs("first-person");
    await first.goto("/account#tools");
    await first.getByRole("button", { name: `Sign in to ${oauth.name}` }).click();
    // Back on /account from the server's sign-in page, connected.
    await expect(first.getByRole("list", { name: "Connected tools" })).toContainText("Connected (signed in)");
    await expect(first.getByRole("button", { name: "Disconnect" })).toBeVisible();
    await first.goto("/");
    const firstUi = toolsUi(first);
    await firstUi.setTool(oauth.name, "Echo");
    await chatPage(first).send(`Mine ${toolMarker("echo", { text: "first" })}`);
    await firstUi.runButton(waitingCall(first)).click();
    await expect(chatPage(first).lastReply).toContainText("Tool result: first");
    expect(oauth.mcp.calls.map((c) => c.subject)).toEqual(["first-person"]);

    // The second person has not signed in: asked to connect, and their turn never reaches the
    // server with the first person's token.
    const second = await (await tools.newContext(context.browser()!)).newPage();
    try {
      await signUp(second, "OauthSecond");
      const secondUi = toolsUi(second);
      await secondUi.setTool(oauth.name, "Echo");
      await secondUi.button.click();
      await expect(secondUi.group(oauth.name).getByRole("link", { name: "Connect your account" })).toBeVisible();
      await second.keyboard.press("Escape");
      const chat = chatPage(second);
      await chat.send(`Borrow ${toolMarker("echo", { text: "second" })}`);
      await expect(chat.lastReply).toContainText(/done\.|Tool result|Not run/);
      const run = secondUi.runButton(chat.lastReply);
      if (await run.isVisible()) await run.click();
      await expect(chat.sendButton).toBeVisible();
      await expect(chat.lastReply).not.toContainText("Tool result: second");
      expect(oauth.mcp.calls.map((c) => c.subject)).toEqual(["first-person"]);
    } finally {
      await second.context().close();
    }
  } finally {
    await oauth.stop();
  }
});

test("no tool argument, result or token reaches the server's log or the audit log", async () => {
  // Its own calls (after a failed test Playwright starts a new worker, and with it a new instance):
  // one on the open server, and one on the per-person server with the person's own token.
  const argument = `secret-argument-${Date.now()}`;
  const { page, chat, ui } = await personWithTool("Secretive");
  const { user } = (await (await page.request.get("/api/auth/get-session")).json()) as { user: { id: string } };
  await chat.send(`Keep it quiet ${toolMarker("echo", { text: argument })}`);
  await ui.runButton(waitingCall(page)).click();
  await expect(chat.lastReply).toContainText(`Tool result: ${argument}`);
  await expect(chat.sendButton).toBeVisible();
  expect(
    (
      await page.request.put(`/api/tool-connections/${tools.servers.personal.id}`, { data: { token: personalToken } })
    ).status(),
  ).toBe(200);
  // A new thread with only the per-person server's Echo: the model is offered one "echo".
  await page.goto("/");
  await ui.setTool(personalServerName, "Echo");
  await chat.send(`And mine ${toolMarker("echo", { text: `${argument}-personal` })}`);
  await ui.runButton(waitingCall(page)).click();
  await expect(chat.lastReply).toContainText(`Tool result: ${argument}-personal`);
  await expect(chat.sendButton).toBeVisible();

  const secrets = [argument, personalToken];
  // The log is the instance's real one (written in batches): this person's turns with tool calls are in it.
  const turnsWithTools = () =>
    readFileSync(tools.app.logFile, "utf8")
      .split("\n")
      .filter((line) => line.includes(user.id) && /"toolCalls":[1-9]/.test(line)).length;
  await expect.poll(turnsWithTools).toBe(2);
  const log = readFileSync(tools.app.logFile, "utf8");
  for (const secret of secrets) expect(log).not.toContain(secret);
  const audit = await withDb(
    async (db) =>
      (await db.query<{ row: string }>(`select row_to_json(a)::text as row from audit_event a`)).rows.map((r) => r.row),
    tools.app.databaseUrl,
  );
  expect(audit.filter((row) => row.includes('"tool_called"') && row.includes(user.id)).length).toBe(2);
  for (const secret of secrets) expect(audit.join("\n")).not.toContain(secret);
});

/** The series of `metric` in a Prometheus scrape, each as its labels and value (label order does not matter). */
function series(text: string, metric: string) {
  return text
    .split("\n")
    .filter((line) => line.startsWith(`${metric}{`))
    .map((line) => {
      const close = line.lastIndexOf("}");
      const labels = Object.fromEntries(
        [...line.slice(metric.length + 1, close).matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]),
      );
      return { labels, value: Number(line.slice(close + 1).trim()) };
    });
}

test("tool calls are counted in /api/metrics by server, tool and outcome, with their duration", async () => {
  // Its own calls, one run and one denied: after a failed test Playwright starts a new worker, and
  // with it a new instance whose counters start at zero.
  const { page, chat, ui } = await personWithTool("Counted");
  await chat.send(`Count this ${toolMarker("echo", { text: "counted" })}`);
  const ran = waitingCall(page);
  await expect(ran.locator("summary")).toContainText("waiting for you");
  await ui.runButton(ran).click();
  await expect(chat.lastReply).toContainText("Tool result: counted");
  await expect(chat.sendButton).toBeVisible();
  await chat.send(`Deny this ${toolMarker("echo", { text: "not counted" })}`);
  const denied = waitingCall(page);
  await expect(denied.locator("summary")).toContainText("waiting for you");
  await ui.denyButton(denied).click();
  await expect(denied.locator("summary")).toContainText("denied");
  await expect(chat.sendButton).toBeVisible();

  const { METRICS_TOKEN: token } = JSON.parse(process.env.E2E_APP_ENV!) as Record<string, string>;
  expect(token).toBeTruthy();
  const response = await fetch(`${tools.app.url}/api/metrics`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  const text = await response.text();
  const calls = (outcome: string) =>
    series(text, "tool_calls_total")
      .filter((s) => s.labels.server === openServerName && s.labels.tool === "echo" && s.labels.outcome === outcome)
      .reduce((sum, s) => sum + s.value, 0);
  expect(calls("allowed")).toBeGreaterThanOrEqual(1);
  expect(calls("denied")).toBeGreaterThanOrEqual(1);
  const durations = series(text, "tool_call_duration_seconds_count").filter(
    (s) => s.labels.server === openServerName && s.labels.tool === "echo",
  );
  expect(durations.length).toBe(1);
  expect(durations[0].value).toBeGreaterThanOrEqual(1);
});
