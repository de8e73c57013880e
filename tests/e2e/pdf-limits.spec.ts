import { expect, test } from "@playwright/test";
import { treeRssBytes } from "../../bench/measure";
import { makePdfWithContent, pdfBombs } from "../support/files";
import { withDb } from "./db";
import { apiUser, uploadFile } from "./helpers";
import { startInstance } from "./instances";

const storedText = (id: string) =>
  withDb(
    async (client) => (await client.query("select text from attachment where id = $1", [id])).rows[0]?.text as string,
  );

test("hostile PDFs are read off the event loop: /api/health answers within 500 ms throughout, limits cut or refuse them", async ({
  playwright,
}) => {
  test.setTimeout(120_000);
  // A server of its own, so its memory is this test's alone.
  const app = await startInstance("pdf-limits");
  try {
    const user = await apiUser(playwright, app.url, "PDF bomber");
    const pdfs = {
      text: pdfBombs.text(),
      buffers: pdfBombs.buffers(),
      pages: makePdfWithContent(Buffer.from("BT /F1 12 Tf 72 720 Td (same page) Tj ET"), { pages: 1000 }),
    };

    let polling = true;
    const latencies: number[] = [];
    const failures: string[] = [];
    const slow: string[] = [];
    let phase = "start";
    const poller = (async () => {
      while (polling) {
        const started = performance.now();
        const response = await fetch(`${app.url}/api/health`).catch((error: Error) => error);
        latencies.push(performance.now() - started);
        // Where a slow answer fell, for the log: a loaded machine is slow everywhere, a blocked loop only during one upload.
        if (performance.now() - started > 200)
          slow.push(`${Math.round(performance.now() - started)} ms during ${phase}`);
        if (response instanceof Error || response.status !== 200)
          failures.push(String(response instanceof Error ? response : response.status));
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const rssBefore = await treeRssBytes(app.pid);
    let rssPeak = rssBefore;
    const sampler = setInterval(async () => (rssPeak = Math.max(rssPeak, await treeRssBytes(app.pid))), 100);

    try {
      const timed = async (name: string, bytes: Buffer) => {
        const started = performance.now();
        phase = name;
        const response = await uploadFile(user.request, name, bytes, "application/pdf");
        phase = `after ${name}`;
        return { response, ms: Math.round(performance.now() - started) };
      };

      // Characters: the first 500,000 are kept, with a note; reading stopped there.
      const text = await timed("bomb.pdf", pdfs.text);
      expect(text.response.status(), await text.response.text()).toBe(201);
      const kept = await storedText((await text.response.json()).id);
      expect(kept).toMatch(/^All work and no play/);
      expect(kept.endsWith("\n\n[text truncated: only the first 500000 characters were read]")).toBe(true);
      expect(kept.length).toBe(500_000 + "\n\n[text truncated: only the first 500000 characters were read]".length);
      const rssAfterText = rssPeak;

      // Pages: the first 200 of 1,000, with a note.
      const pages = await timed("pages.pdf", pdfs.pages);
      expect(pages.response.status(), await pages.response.text()).toBe(201);
      const pageText = await storedText((await pages.response.json()).id);
      expect(pageText.match(/same page/g)).toHaveLength(200);
      expect(pageText.endsWith("[text truncated: only the first 200 of 1000 pages were read]")).toBe(true);

      // Memory: refused, and nothing stored.
      const buffers = await timed("buffers.pdf", pdfs.buffers);
      expect(buffers.response.status()).toBe(422);
      expect((await buffers.response.json()).error).toMatchObject({
        code: "pdf_too_complex",
        message: expect.stringContaining("more memory than allowed"),
      });

      // The server is itself afterwards: a normal request right away.
      expect((await user.request.get("/api/threads")).status()).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 500));
      polling = false;
      await poller;
      const rssAfter = await treeRssBytes(app.pid);
      const sorted = [...latencies].sort((a, b) => a - b);
      const mb = (bytes: number) => Math.round(bytes / 1e6);
      console.log(
        `pdf limits: text bomb ${pdfs.text.length} B → ${text.response.status()} in ${text.ms} ms; 1000-page PDF ${pdfs.pages.length} B → ${pages.response.status()} in ${pages.ms} ms; ` +
          `buffer bomb ${pdfs.buffers.length} B → ${buffers.response.status()} in ${buffers.ms} ms. Server RSS ${mb(rssBefore)} MB before, peak ${mb(rssAfterText)} MB during the text bomb, ` +
          `peak ${mb(rssPeak)} MB overall, ${mb(rssAfter)} MB after. /api/health: ${latencies.length} polls, p50 ${Math.round(sorted[Math.floor(sorted.length / 2)])} ms, max ${Math.round(sorted.at(-1)!)} ms`,
      );
      console.log(`slow health answers: ${slow.join("; ") || "none"}`);
      expect(failures).toEqual([]);
      expect(latencies.length).toBeGreaterThan(20);
      expect(Math.max(...latencies)).toBeLessThan(500);
    } finally {
      polling = false;
      clearInterval(sampler);
      await poller;
    }
    await user.request.dispose();
  } finally {
    await app.stop();
  }
});

test("one user's PDFs are read one at a time, and a full queue answers 429 with Retry-After", async ({
  playwright,
}) => {
  test.setTimeout(120_000);
  const app = await startInstance("pdf-queue");
  try {
    const user = await apiUser(playwright, app.url, "PDF flood");
    const other = await apiUser(playwright, app.url, "PDF neighbour");
    const bomb = pdfBombs.text();
    // Nine at once: one read at a time per user, eight (as many as one message carries) at most in line.
    let floodDone = 0;
    const flood = Array.from({ length: 9 }, (_, i) =>
      uploadFile(user.request, `flood-${i}.pdf`, bomb, "application/pdf").then((response) => (floodDone++, response)),
    );
    // Another user is not stuck behind them: the second worker is theirs.
    const started = performance.now();
    const neighbour = await uploadFile(
      other.request,
      "small.pdf",
      makePdfWithContent(Buffer.from("BT /F1 12 Tf 72 720 Td (just a page) Tj ET")),
      "application/pdf",
    );
    const neighbourMs = performance.now() - started;
    const doneBeforeNeighbour = floodDone;
    expect(neighbour.status()).toBe(201);
    const responses = await Promise.all(flood);
    const statuses = responses.map((r) => r.status()).sort();
    expect(statuses).toEqual([...Array(8).fill(201), 429]);
    const limited = responses.find((r) => r.status() === 429)!;
    expect(Number(limited.headers()["retry-after"])).toBeGreaterThanOrEqual(1);
    expect((await limited.json()).error.code).toBe("rate_limited");
    console.log(
      `pdf queue: a neighbour's one-page PDF took ${Math.round(neighbourMs)} ms while another user had 8 bombs in line (${doneBeforeNeighbour} of 9 answered before it)`,
    );
    // In a plain first-come queue it would wait for the flood's bombs, two at a time; here at most the refused one and the one running come first.
    expect(doneBeforeNeighbour).toBeLessThanOrEqual(2);
    for (const c of [user, other]) await c.request.dispose();
  } finally {
    await app.stop();
  }
});
