import { gzipSync } from "node:zlib";
import { expect, test, type Page, type Response } from "@playwright/test";
import { chatPage } from "./chat-page";
import { withDb } from "./db";
import { signUp } from "./helpers";

// What only KaTeX's and Mermaid's code (and KaTeX's stylesheet) say: chunk names are hashes in a build.
const katexCode = "KaTeX parse error";
const katexCss = ".katex-display";
const mermaidCode = "No diagram type detected matching given configuration";

/** Every script and stylesheet the page downloads from now on, with its body. */
function downloads(page: Page) {
  const seen: { url: string; type: string; body: Promise<string> }[] = [];
  page.on("response", (response: Response) => {
    const type = response.request().resourceType();
    if (type === "script" || type === "stylesheet") seen.push({ url: response.url(), type, body: response.text() });
  });
  return {
    /** The downloads so far that hold `marker`. */
    async holding(marker: string) {
      const bodies = await Promise.all(seen.map(async (d) => ({ ...d, text: await d.body })));
      return bodies.filter((d) => d.text.includes(marker)).map((d) => d.url);
    },
    /** Gzipped bytes of the scripts so far, as the bench's "first-load JavaScript of /" counts them. */
    async scriptGzipBytes() {
      const bodies = await Promise.all(seen.filter((d) => d.type === "script").map((d) => d.body));
      return bodies.reduce((sum, body) => sum + gzipSync(body, { level: 9 }).length, 0);
    },
  };
}

/** Whether the payloads' `window.__pwned = …` ever ran in the page. */
const pwned = (page: Page) => page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned);

test("/ loads no math or diagram code; the first reply with math loads KaTeX, and nothing in it runs", async ({
  browser,
  baseURL,
}) => {
  const signingUp = await browser.newPage({ baseURL });
  await signUp(signingUp, "Mathematician");
  // A context of its own, so that nothing comes from the cache the sign-up filled.
  const context = await browser.newContext({ baseURL, storageState: await signingUp.context().storageState() });
  await signingUp.context().close();
  const page = await context.newPage();
  const chat = chatPage(page);
  const loaded = downloads(page);
  await page.goto("/");
  await expect(chat.messageBox).toBeEnabled();
  await page.waitForLoadState("networkidle");
  test.info().annotations.push({
    type: "first-load JavaScript of /",
    description: `${((await loaded.scriptGzipBytes()) / 1024).toFixed(1)} kB gzip`,
  });
  expect(await loaded.holding(katexCode)).toEqual([]);
  expect(await loaded.holding(katexCss)).toEqual([]);
  expect(await loaded.holding(mermaidCode)).toEqual([]);

  // The fake model echoes the message back on one line: inline math in every notation, `$$` within
  // the sentence, a price, and a link to a script that KaTeX must not make.
  await chat.send(
    String.raw`Inline $a^2+b^2=c^2$ and \(x_1\) and $$E=mc^2$$ cost $5 and $10 then $\href{javascript:window.__pwned=1}{click}$ end`,
  );
  const reply = chat.lastReply;
  await expect(reply).toContainText("— done.");
  await expect(reply.locator(".katex")).toHaveCount(4);
  await expect(reply.locator(".katex-mathml math")).toHaveCount(4);
  await expect(reply).toContainText("cost $5 and $10 then");
  await expect(reply.locator("a")).toHaveCount(0);
  // KaTeX shows `\href` as its source, in red, and makes no link of it.
  await expect(reply.locator(".katex").nth(3)).toContainText("\\href");
  await reply.locator(".katex").nth(3).click();
  expect(await pwned(page)).toBeUndefined();
  expect(await loaded.holding(katexCode)).not.toEqual([]);
  expect(await loaded.holding(katexCss)).not.toEqual([]);
  // Math is not a diagram: Mermaid stays unloaded.
  expect(await loaded.holding(mermaidCode)).toEqual([]);
  await context.close();
});

/** A thread whose reply is `reply`, written in SQL: the fake model echoes a message on one line only. */
async function threadWithReply(page: Page, reply: string) {
  const thread = (await (await page.request.post("/api/threads", { data: { title: "Diagrams" } })).json()) as {
    id: string;
  };
  await withDb((c) =>
    c.query(
      `insert into message (thread_id, id, parent_id, role, format, content, status, created_at)
       values ($1, 'm1', null, 'user', 'ai-sdk/v6', jsonb_build_object('role', 'user', 'parts', jsonb_build_array(jsonb_build_object('type', 'text', 'text', 'Draw it'))), 'complete', now() - interval '1 minute'),
              ($1, 'm2', 'm1', 'assistant', 'ai-sdk/v6', jsonb_build_object('role', 'assistant', 'parts', jsonb_build_array(jsonb_build_object('type', 'text', 'text', $2::text))), 'complete', now())`,
      [thread.id, reply],
    ),
  );
  return thread.id;
}

test("a reply's diagrams and display math are drawn; a hostile label runs nothing; a broken diagram shows its source", async ({
  page,
}) => {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await signUp(page, "Diagrammer");
  const id = await threadWithReply(
    page,
    [
      "A flow:",
      "```mermaid",
      "graph TD",
      "  A[Start] --> B[Finish]",
      "```",
      "A hostile one:",
      "```mermaid",
      "graph TD",
      '  X["<img src=x onerror=window.__pwned=1>"] --> Y["<script>window.__pwned=2</script>Y"]',
      '  click Y "javascript:window.__pwned=3"',
      "```",
      "A broken one:",
      "```mermaid",
      "this is not a diagram",
      "```",
      "And display math:",
      "$$",
      String.raw`\int_0^1 x\,dx = \frac{1}{2}`,
      "$$",
    ].join("\n"),
  );
  await page.goto(`/chat/${id}`);
  const reply = chatPage(page).lastReply;

  const diagrams = reply.getByRole("img", { name: "Diagram" });
  await expect(diagrams).toHaveCount(2);
  await expect(diagrams.first().locator("svg")).toBeVisible();
  await expect(diagrams.first()).toContainText("Start");
  await expect(diagrams.first()).toContainText("Finish");
  const hostile = diagrams.nth(1);
  await expect(hostile.locator("svg")).toBeVisible();
  await expect(hostile.locator("img[onerror], script, [onclick], a[href^='javascript']")).toHaveCount(0);
  await hostile.getByText("Y", { exact: true }).first().click({ force: true });
  expect(await pwned(page)).toBeUndefined();

  await expect(reply.getByText("This diagram could not be drawn:")).toBeVisible();
  await expect(reply.locator("pre code").filter({ hasText: "this is not a diagram" })).toBeVisible();
  await expect(reply.locator(".katex-display")).toHaveCount(1);
  expect(await pwned(page)).toBeUndefined();
  expect(errors).toEqual([]);
});
