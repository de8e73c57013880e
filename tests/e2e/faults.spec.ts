import { expect, test } from "@playwright/test";
import { chatPage } from "./chat-page";
import { apiUser, chatBody, listThreads, signUp } from "./helpers";

// Each marker makes the fake model fail one way; MODEL_TIMEOUT_MS is 3 s on the test server.
for (const fault of ["[fail-500]", "[fail-429]", "[cut]", "[stall]"]) {
  test(`model fault ${fault}: a clear error, the user's message kept, no unmarked half reply, and the next message works`, async ({
    page,
  }) => {
    const chat = chatPage(page);
    await signUp(page, "Faulty");
    await chat.send(`${fault} please answer`);
    await expect(page.getByRole("alert").filter({ hasText: /could not answer|error|failed|aborted/i })).toBeVisible({
      timeout: 15_000,
    });
    await expect(chat.sendButton).toBeVisible();

    const [thread] = await listThreads(page.request);
    const stored = async () =>
      (await (await page.request.get(`/api/threads/${thread.id}/messages`)).json()).messages as {
        id: string;
        status: string;
        content: { role: string; parts: { type: string; text?: string }[] };
      }[];
    await expect.poll(async () => (await stored()).filter((m) => m.content.role === "user").length).toBe(1);
    for (const m of await stored()) {
      if (m.content.role === "assistant") expect(m.status, JSON.stringify(m)).not.toBe("complete");
    }

    await chat.send("Are you back?");
    await expect(chat.lastReply).toContainText("Fake model says: Are you back? — done.");
    await expect
      .poll(
        async () => (await stored()).filter((m) => m.status === "complete" && m.content.role === "assistant").length,
      )
      .toBe(1);
  });
}

test("HTML and script in messages and titles render as text and never run", async ({ page }) => {
  const chat = chatPage(page);
  const dialogs: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await signUp(page, "Mallory");
  const payload = `<img src=x onerror="window.__xss='img'"><script>window.__xss='script'</script>**bold**`;
  await chat.send(payload);
  await expect(chat.lastReply).toContainText("— done.");
  await expect(chat.userMessages).toContainText(`<img src=x onerror="window.__xss='img'">`);

  const [thread] = await listThreads(page.request);
  const title = `<script>window.__xss='title'</script><b>bold title</b>`;
  expect((await page.request.patch(`/api/threads/${thread.id}`, { data: { title } })).status()).toBe(200);
  await page.reload();
  await expect(chat.threadList.getByText(title)).toBeVisible();
  await chat.threadList.getByText(title).click();
  await expect(chat.userMessages).toContainText("<script>");

  expect(await page.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
  expect(await page.locator("main img, main script, nav b").count()).toBe(0);
  expect(dialogs).toEqual([]);
});

test("security headers on pages and API responses", async ({ request }) => {
  for (const path of ["/sign-in", "/api/threads"]) {
    const response = await request.get(path, { maxRedirects: 0 });
    const headers = response.headers();
    expect(headers["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(headers["content-security-policy"]).toContain("default-src 'self'");
    expect(headers["x-content-type-options"]).toBe("nosniff");
    expect(headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
  }
});

test("state-changing requests from a foreign origin are refused with 403", async ({ playwright, baseURL }) => {
  const { request } = await apiUser(playwright, baseURL!, "Csrf");
  const thread = await (await request.post("/api/threads", { data: {} })).json();
  const foreign = { origin: "https://evil.example" };
  for (const response of [
    await request.post("/api/threads", { data: {}, headers: foreign }),
    await request.patch(`/api/threads/${thread.id}`, { data: { title: "x" }, headers: foreign }),
    await request.delete(`/api/threads/${thread.id}`, { headers: foreign }),
    await request.post("/api/chat", { data: chatBody(thread.id, "csrf"), headers: foreign }),
    await request.post("/api/threads", { data: {}, headers: { "sec-fetch-site": "cross-site" } }),
    // An opaque origin (a sandboxed frame, a data: page) is `null` too, but never same-origin.
    await request.post("/api/threads", { data: {}, headers: { origin: "null" } }),
    await request.post("/api/threads", { data: {}, headers: { origin: "null", "sec-fetch-site": "cross-site" } }),
    await request.post("/api/threads", { data: {}, headers: { origin: "null", "sec-fetch-site": "same-site" } }),
  ]) {
    expect(response.status()).toBe(403);
    expect(await response.json()).toEqual({
      error: { code: "forbidden", message: expect.any(String), requestId: expect.any(String) },
    });
  }
  expect((await (await request.get(`/api/threads/${thread.id}`)).json()).title).toBeNull();
  // The app's own page with `Referrer-Policy: no-referrer` (a share page's form) posts with `Origin: null`.
  const ownNullOrigin = await request.post("/api/threads", {
    data: {},
    headers: { origin: "null", "sec-fetch-site": "same-origin" },
  });
  expect(ownNullOrigin.status()).toBe(201);
  // better-auth refuses foreign origins itself.
  const signIn = await request.post("/api/auth/sign-in/email", {
    data: { email: "x@example.com", password: "whatever1" },
    headers: foreign,
  });
  expect(signIn.status()).toBe(403);
});

test("load: 50 users × 10 messages at once, every message stored once in the right thread", async ({
  playwright,
  baseURL,
}) => {
  test.setTimeout(180_000);
  const users = await Promise.all(Array.from({ length: 50 }, (_, i) => apiUser(playwright, baseURL!, `Load${i}`)));
  const started = Date.now();
  const results = await Promise.all(
    users.map(async ({ request }, u) => {
      const thread = await (await request.post("/api/threads", { data: {} })).json();
      // Ten conversations' first turns, all at once (each its own branch root).
      const statuses = await Promise.all(
        Array.from({ length: 10 }, async (_, m) => {
          const response = await request.post("/api/chat", {
            data: chatBody(thread.id, `user${u} message${m}`, `u${u}-m${m}`),
          });
          const body = await response.text();
          return { status: response.status(), complete: body.includes('"type":"finish"') };
        }),
      );
      return { thread, statuses, request, u };
    }),
  );
  console.log(`load: 500 chats through /api/chat in ${Date.now() - started} ms`);
  for (const { statuses } of results) {
    expect(statuses.every((s) => s.status === 200 && s.complete)).toBe(true);
  }
  for (const { thread, request, u } of results) {
    // A keep-alive socket the server closed after the burst can reset once (ECONNRESET): ask again.
    const count = () =>
      request.get(`/api/threads/${thread.id}/messages`).then(
        async (r) => ((await r.json()) as { messages: unknown[] }).messages.length,
        () => -1,
      );
    await expect.poll(count, { timeout: 20_000 }).toBe(20);
    const { messages } = await (await request.get(`/api/threads/${thread.id}/messages`)).json();
    const userTexts = messages
      .filter((m: { content: { role: string } }) => m.content.role === "user")
      .map((m: { content: { parts: { text: string }[] } }) => m.content.parts[0].text);
    expect(userTexts.sort()).toEqual(Array.from({ length: 10 }, (_, m) => `user${u} message${m}`).sort());
    const replies = messages.filter((m: { content: { role: string } }) => m.content.role === "assistant");
    for (const reply of replies) {
      const parent = messages.find((m: { id: string }) => m.id === reply.parentId);
      expect(reply.content.parts.find((p: { type: string }) => p.type === "text").text).toBe(
        `Fake model says: ${parent.content.parts[0].text} — done.`,
      );
      expect(reply.status).toBe("complete");
    }
    await request.dispose();
  }
});
