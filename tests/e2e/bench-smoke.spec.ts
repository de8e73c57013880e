import { expect, test } from "@playwright/test";
import {
  firstVisitScriptBytes,
  runConcurrent,
  stats,
  timeRequest,
  timeToFirstByte,
  treeRssBytes,
} from "../../bench/measure";
import { seed } from "../../bench/seed";
import { cookieHeader } from "../support/cookies";
import { chatPage } from "./chat-page";
import { apiUser, chatBody } from "./helpers";

// A small run of the benchmark harness (npm run bench): its seeding and its measurements must
// work and measure the right thing. Timings are printed, never asserted.
test("benchmark harness smoke run", async ({ playwright, browser, baseURL }) => {
  const { request, userId } = await apiUser(playwright, baseURL!, "Bencher");
  const size = { userThreads: 120, otherThreads: 200, otherUsers: 5, messagesPerThread: 4, longThreadMessages: 30 };
  const { longThreadId } = await seed(process.env.E2E_DATABASE_URL!, userId, size, `smoke${Date.now()}`);
  const stored = await request.storageState();
  const headers = { cookie: cookieHeader(stored), origin: baseURL! };

  const first = await (await fetch(`${baseURL}/api/threads?limit=50`, { headers })).json();
  expect(first.threads).toHaveLength(50);
  const second = await (await fetch(`${baseURL}/api/threads?limit=50&after=${first.nextCursor}`, { headers })).json();
  expect(second.threads).toHaveLength(50);
  expect(second.threads[0].updatedAt <= first.threads[49].updatedAt).toBe(true);
  // 1 in 10 seeded threads is archived: 108 regular + the long thread.
  const third = await (await fetch(`${baseURL}/api/threads?limit=50&after=${second.nextCursor}`, { headers })).json();
  expect(first.threads.length + second.threads.length + third.threads.length).toBe(109);

  const open = await (await fetch(`${baseURL}/api/threads/${longThreadId}/messages`, { headers })).json();
  expect(open.messages).toHaveLength(30);
  expect(open.messages[1].parentId).toBe(open.messages[0].id);

  const list = await runConcurrent(20, 4, () => timeRequest(`${baseURL}/api/threads?limit=50`, { headers }));
  expect(list.every((r) => r.status === 200)).toBe(true);
  const listStats = stats(list.map((r) => r.ms));
  expect(listStats.n).toBe(20);
  expect(listStats.p50).toBeLessThanOrEqual(listStats.p99);

  const chat = await timeToFirstByte(`${baseURL}/api/chat`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body: JSON.stringify(chatBody(longThreadId, "[tokens=5] smoke")),
  });
  expect(chat.status).toBe(200);
  expect(chat.body).toContain("t5 ");
  expect(chat.ms).toBeGreaterThan(0);

  const weight = await firstVisitScriptBytes(browser, `${baseURL}/`, cookieHeader(stored, "session_token"), (page) =>
    chatPage(page).messageBox.waitFor(),
  );
  expect(weight.scripts).toBeGreaterThan(0);
  expect(weight.gzipBytes).toBeGreaterThan(10_000);
  expect(await treeRssBytes(process.pid)).toBeGreaterThan(10_000_000);
  console.log(
    `bench smoke: list p50 ${listStats.p50.toFixed(1)} ms, chat first byte ${chat.ms.toFixed(1)} ms, first-load JS ${(weight.gzipBytes / 1024).toFixed(0)} kB gzip`,
  );
  await request.dispose();
});
