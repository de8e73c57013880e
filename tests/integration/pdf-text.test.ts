import { afterEach, describe, expect, it } from "vitest";
import { createPdfTextReader, type PdfTextReader } from "@/lib/attachments/pdf-text";
import { makePdf, makePdfWithContent, pdfBombs } from "../support/files";

const textBomb = pdfBombs.text;

const readers: PdfTextReader[] = [];
const reader = (...args: Parameters<typeof createPdfTextReader>) => {
  const made = createPdfTextReader(...args);
  readers.push(made);
  return made;
};

/** No worker thread outlives its file: the count drops once each has exited. */
async function expectNoThreads(r: PdfTextReader) {
  await expect.poll(() => r.stats(), { timeout: 5_000 }).toEqual({ running: 0, waiting: 0, threads: 0 });
}

afterEach(async () => {
  for (const r of readers.splice(0)) await expectNoThreads(r);
});

/** The longest the event loop went without running a 10 ms timer while `work` ran. */
async function maxLoopLag<T>(work: () => Promise<T>): Promise<{ lag: number; outcome: PromiseSettledResult<T> }> {
  let lag = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last - 10);
    last = now;
  }, 10);
  const [outcome] = await Promise.allSettled([work()]);
  clearInterval(ticker);
  return { lag, outcome };
}

describe("PDF text in a worker thread", () => {
  it("reads a normal PDF's text", async () => {
    const r = reader();
    expect(await r.read("u1", makePdf("Quarterly zebra numbers (final)"))).toBe("Quarterly zebra numbers (final)");
  });

  it("a file that only starts like a PDF is refused as one it cannot read", async () => {
    await expect(reader().read("u1", Buffer.from("%PDF-1.7 not really"))).rejects.toMatchObject({
      code: "unsupported_media_type",
      status: 415,
    });
  });

  it("reads at most maxPages pages and says so", async () => {
    const pdf = makePdfWithContent(Buffer.from("BT /F1 12 Tf 72 720 Td (shared page) Tj ET"), { pages: 40 });
    const text = await reader({ maxPages: 5 }).read("u1", pdf);
    expect(text.match(/shared page/g)).toHaveLength(5);
    expect(text).toMatch(/\[text truncated: only the first 5 of 40 pages were read\]$/);
    // Under the limit, every page and no note.
    const whole = await reader({ maxPages: 40 }).read("u1", pdf);
    expect(whole.match(/shared page/g)).toHaveLength(40);
    expect(whole).not.toContain("truncated");
  });

  it("stops reading at maxChars, long before the page's content stream ends", async () => {
    // 30 MB of text operators in one 90 KB stream: reading all of it takes far longer than the
    // timeout, so an answer at all shows the reading stopped at the limit instead of being cut after.
    const pdf = textBomb(30);
    const started = performance.now();
    const text = await reader({ maxChars: 5_000, timeoutMs: 8_000 }).read("u1", pdf);
    const [body, note] = text.split("\n\n");
    expect(body.length).toBe(5_000);
    expect(body.startsWith("All work and no playAll work")).toBe(true);
    expect(note).toBe("[text truncated: only the first 5000 characters were read]");
    console.log(
      `pdf-text: ${pdf.length} B bomb, first 5000 characters in ${Math.round(performance.now() - started)} ms`,
    );
  });

  it("a PDF that takes longer than timeoutMs is refused, its worker is terminated, and the event loop never waits on it", async () => {
    const r = reader({ maxChars: 1e9, timeoutMs: 1_500 });
    const pdf = textBomb(10);
    const started = performance.now();
    const { lag, outcome } = await maxLoopLag(() => r.read("u1", pdf));
    const took = performance.now() - started;
    expect(outcome.status).toBe("rejected");
    expect((outcome as PromiseRejectedResult).reason).toMatchObject({
      code: "pdf_too_complex",
      status: 422,
      message: expect.stringContaining("within 1.5 seconds"),
    });
    expect(took).toBeLessThan(4_000);
    await expectNoThreads(r);
    console.log(`pdf-text: timeout after ${Math.round(took)} ms, longest event-loop stall ${Math.round(lag)} ms`);
    // Reading it on this thread stalled it for the whole read (seconds); what is left is the machine's own scheduling.
    expect(lag).toBeLessThan(500);
  });

  it("a worker whose heap outgrows maxOldGenerationMb is refused as too complex", async () => {
    const r = reader({ maxChars: 1e9, maxOldGenerationMb: 24, maxYoungGenerationMb: 4, timeoutMs: 20_000 });
    await expect(r.read("u1", textBomb(10))).rejects.toMatchObject({
      code: "pdf_too_complex",
      message: expect.stringContaining("more memory than allowed"),
    });
  });

  it("a compression bomb whose inflated buffers outgrow maxExternalMb is stopped by the watchdog", async () => {
    const pdf = pdfBombs.buffers(200);
    const r = reader({ maxExternalMb: 32, timeoutMs: 20_000 });
    const started = performance.now();
    await expect(r.read("u1", pdf)).rejects.toMatchObject({
      code: "pdf_too_complex",
      message: expect.stringContaining("more memory than allowed"),
    });
    expect(performance.now() - started).toBeLessThan(15_000);
  });

  it("bounds the queue: one user cannot queue more than maxPerUser, nobody who already waits past maxWaiting, and a free worker goes to the user served longest ago", async () => {
    const r = reader({ maxRunning: 1, maxWaiting: 3, maxPerUser: 2 });
    const pdf = (label: string) => makePdf(label);
    const done: string[] = [];
    const track = (label: string, user: string) => r.read(user, pdf(label)).then((text) => void done.push(text));
    const jobs = [track("alice 1", "alice"), track("alice 2", "alice")];
    const third = r.read("alice", pdf("alice 3"));
    await expect(third).rejects.toMatchObject({ code: "rate_limited", status: 429, headers: { "Retry-After": "10" } });
    jobs.push(track("bob 1", "bob"), track("carol 1", "carol"));
    expect(r.stats()).toMatchObject({ running: 1, waiting: 3 });
    await expect(r.read("bob", pdf("bob 2"))).rejects.toMatchObject({
      code: "service_unavailable",
      status: 503,
      headers: { "Retry-After": "10" },
    });
    // Someone with nothing queued still gets in, so a full queue shuts out only those who filled it.
    jobs.push(track("dave 1", "dave"));
    await Promise.all(jobs);
    // Alice's second file waited for the users who had had nothing yet.
    expect(done).toEqual(["alice 1", "bob 1", "carol 1", "dave 1", "alice 2"]);
  });

  it("one user's files are read one at a time, so another user gets the second worker", async () => {
    const r = reader({ maxRunning: 2, maxChars: 1e9, timeoutMs: 5_000 });
    const order: string[] = [];
    const bomb = textBomb(30);
    const slow = [1, 2].map((n) => {
      const settled = () => void order.push(`mallory ${n}`);
      return r.read("mallory", bomb).then(settled, settled);
    });
    expect(r.stats()).toMatchObject({ running: 1, waiting: 1 });
    expect(await r.read("alice", makePdf("still served"))).toBe("still served");
    order.push("alice");
    await Promise.all(slow);
    // First come, first served, Alice would have waited for one of Mallory's (five seconds).
    expect(order).toEqual(["alice", "mallory 1", "mallory 2"]);
  });

  it("a build without the worker's file fails loudly, as a server error", async () => {
    const r = reader({}, () => "/nonexistent/pdf-text-worker.mjs");
    await expect(r.read("u1", makePdf("x"))).rejects.toMatchObject({ code: "internal_error", status: 500 });
  });
});
