import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { makePng } from "../support/files";
import { apiUser, modelRequests } from "./helpers";
import { startInstance } from "./instances";

const MiB = 1024 * 1024;

/** The server's peak resident memory so far (VmHWM), in bytes; reset to now by writing 5 to clear_refs. */
const peakRss = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;
const resetPeak = (pid: number) => {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, "5");
  } catch {
    // Without the right to reset it, the peak since start is the (stricter) baseline.
  }
};
const rss = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) * 1024;

/** An image of `bytes` bytes: a real PNG header and incompressible padding (the type is read from the bytes). */
const bigImage = (bytes: number) => {
  const png = makePng(4, 4, bytes % 251);
  return Buffer.concat([png, randomBytes(bytes - png.length)]);
};

async function upload(request: APIRequestContext, name: string, bytes: Buffer) {
  const response = await request.post("/api/attachments", {
    multipart: { file: { name, mimeType: "image/png", buffer: bytes } },
  });
  expect(response.status()).toBe(201);
  return ((await response.json()) as { id: string }).id;
}

const withFiles = (threadId: string, messageId: string, text: string, files: string[]) => ({
  id: threadId,
  trigger: "submit-message",
  messages: [
    {
      id: messageId,
      role: "user",
      parts: [
        { type: "text", text },
        ...files.map((id) => ({ type: "file", mediaType: "image/png", url: `/api/attachments/${id}` })),
      ],
    },
  ],
});

test("one request's budget: repeated messages are refused, the model input is capped, and the largest request costs bounded memory", async ({
  playwright,
}) => {
  test.setTimeout(120_000);
  // Its own server, so its memory is this test's alone. MAX_MODEL_INPUT_BYTES is the default (20 MiB).
  const app = await startInstance("budgets");
  try {
    const { request } = await apiUser(playwright, app.url, "Budget");
    const thread = await (await request.post("/api/threads", { data: {} })).json();

    // The finding: one stored message with a 1 MiB image, repeated 200 times in one request (36 KB).
    const small = await upload(request, "one.png", bigImage(MiB));
    const first = withFiles(thread.id, "with-image", "look", [small]);
    expect((await request.post("/api/chat", { data: first })).status()).toBe(200);
    await expect
      .poll(async () => (await (await request.get(`/api/threads/${thread.id}/messages`)).json()).messages.length)
      .toBe(2);
    const copies = {
      ...first,
      messages: [
        ...Array.from({ length: 200 }, () => first.messages[0]),
        { id: "next", role: "user", parts: [{ type: "text", text: "again" }] },
      ],
    };
    resetPeak(app.pid);
    const base = rss(app.pid);
    const repeated = await request.post("/api/chat", { data: copies });
    expect(repeated.status()).toBe(400);
    expect((await repeated.json()).error).toMatchObject({
      code: "bad_request",
      message: expect.stringContaining("more than once"),
    });
    const repeatedGrowth = peakRss(app.pid) - base;

    // Just under the cap: 10 MiB + 9.9 MiB of images and a line of text, handed to the model.
    const marker = `at the cap ${Date.now()}`;
    const big = [
      await upload(request, "a.png", bigImage(10 * MiB)),
      await upload(request, "b.png", bigImage(10 * MiB - 100 * 1024)),
    ];
    const other = await (await request.post("/api/threads", { data: {} })).json();
    resetPeak(app.pid);
    const before = rss(app.pid);
    const answered = await request.post("/api/chat", { data: withFiles(other.id, "at-cap", marker, big) });
    expect(answered.status()).toBe(200);
    await answered.text();
    const atCapGrowth = peakRss(app.pid) - before;
    expect((await modelRequests()).some((t) => t.includes(marker))).toBe(true);

    // One byte of text more than fits: 413 before any file is read or the model is called.
    // Two 10 MiB files are the cap exactly; the message's text is what tips it over.
    const over = `over the cap ${Date.now()}`;
    const third = await (await request.post("/api/threads", { data: {} })).json();
    const more = [
      await upload(request, "c.png", bigImage(10 * MiB)),
      await upload(request, "d.png", bigImage(10 * MiB)),
    ];
    const refused = await request.post("/api/chat", { data: withFiles(third.id, "over", over, more) });
    expect(refused.status()).toBe(413);
    expect((await refused.json()).error).toMatchObject({
      code: "payload_too_large",
      message: expect.stringContaining(String(20 * MiB)),
    });
    expect((await modelRequests()).some((t) => t.includes(over))).toBe(false);

    console.log(
      `budgets: 200 repeated copies → peak +${(repeatedGrowth / MiB).toFixed(1)} MiB; a request at the 20 MiB cap → peak +${(atCapGrowth / MiB).toFixed(1)} MiB`,
    );
    // Before the budget the repeated request added 839 MB; refused before anything is read, it adds next to nothing.
    expect(repeatedGrowth).toBeLessThan(32 * MiB);
    // The largest request the cap allows: its bytes are read once and sent on once (base64 and JSON copies on the way).
    // Measured 106–242 MiB (garbage collection decides how much of the copies is still held).
    expect(atCapGrowth).toBeLessThan(512 * MiB);
    await request.dispose();
  } finally {
    await app.stop();
  }
});
