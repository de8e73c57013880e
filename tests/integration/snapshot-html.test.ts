import { afterEach, describe, expect, it } from "vitest";
import { createSnapshotRenderer, type SnapshotRenderer } from "@/lib/sharing/snapshot-html";
import { hostileMarkdown } from "../support/hostile-markdown";

const renderers: SnapshotRenderer[] = [];
const renderer = (...args: Parameters<typeof createSnapshotRenderer>) => {
  const made = createSnapshotRenderer(...args);
  renderers.push(made);
  return made;
};

afterEach(async () => {
  // No worker thread outlives its snapshot.
  for (const r of renderers.splice(0))
    await expect.poll(() => r.stats(), { timeout: 5_000 }).toEqual({ running: 0, waiting: 0, threads: 0 });
});

/** The longest the event loop went without running a 10 ms timer while `work` ran. */
async function maxLoopLag<T>(work: () => Promise<T>): Promise<{ lag: number; result: T }> {
  let lag = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    lag = Math.max(lag, now - last - 10);
    last = now;
  }, 10);
  try {
    return { result: await work(), lag };
  } finally {
    clearInterval(ticker);
  }
}

describe("snapshot Markdown rendered in a worker thread", () => {
  it("renders Markdown with the share page's rules: headings moved down, links nofollow, images as alt text, raw HTML as text", async () => {
    const [html, empty] = await renderer().render("u1", [
      [
        "# Title",
        "**bold** and `code` and [a link](https://example.com/x) and [bad](javascript:alert(1))",
        "![tracker](https://evil.example/pixel.png) <script>alert(1)</script> <img src=x onerror=alert(1)>",
        "| a | b |\n|---|:-:|\n| 1 | 2 |",
      ].join("\n\n"),
      "",
    ]);
    expect(html).toContain('<h3 class="text-xl font-semibold">Title</h3>');
    expect(html).toContain("<strong>bold</strong>");
    expect(html).toContain('<a href="https://example.com/x" class="');
    expect(html).toContain('rel="noopener noreferrer nofollow">a link</a>');
    expect(html).toContain("<span>bad</span>");
    expect(html).toContain('<span class="text-zinc-500 dark:text-zinc-400">[tracker]</span>');
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toMatch(/<script|<img|javascript:|evil\.example/);
    expect(html).toContain('<td style="text-align:center" class="');
    expect(empty).toBe('<div class="space-y-3 leading-relaxed break-words"></div>');
  });

  it("hostile texts end as null (plain text) within the budget, the texts around them still render, and the event loop never waits", async () => {
    // A budget that never ends it early, so each hostile text is stopped by its own deadline.
    const r = renderer({ textMs: 1_000, budgetMs: 30_000 });
    const texts = ["**first**", hostileMarkdown.emphasis, "**between**", hostileMarkdown.stars, "**last**"];
    const started = performance.now();
    const { result, lag } = await maxLoopLag(() => r.render("u1", texts));
    const took = performance.now() - started;
    expect(result.map((html) => html && /<strong>(\w+)<\/strong>/.exec(html)?.[1])).toEqual([
      "first",
      null,
      "between",
      null,
      "last",
    ]);
    console.log(
      `snapshot-html: two hostile texts in ${Math.round(took)} ms, longest event-loop stall ${Math.round(lag)} ms`,
    );
    expect(took).toBeLessThan(30_000);
    // Parsing them on this thread stalled it for minutes; what is left is the machine's own scheduling.
    expect(lag).toBeLessThan(500);
  });

  it("a text that overflows the stack or the heap is null and the texts after it render", async () => {
    // Nested deep enough to overflow the stack or the 64 MB heap within seconds, well before this deadline.
    const deep = "> ".repeat(3_000) + "x";
    const [html, after] = await renderer({ textMs: 25_000, budgetMs: 25_000 }).render("u1", [deep, "_after_"]);
    expect(html).toBeNull();
    expect(after).toContain("<em>after</em>");
  });

  it("past the snapshot's budget every text left is null", async () => {
    const r = renderer({ textMs: 5_000, budgetMs: 1_500 });
    const started = performance.now();
    const result = await r.render("u1", [hostileMarkdown.emphasis, "**late**", "**later**"]);
    expect(result).toEqual([null, null, null]);
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it("bounds the queue: 429 past maxPerUser, 503 with Retry-After when full, and a free worker goes to the user served longest ago", async () => {
    const r = renderer({ maxRunning: 1, maxWaiting: 2, maxPerUser: 2, textMs: 500 });
    const done: string[] = [];
    const track = (user: string, label: string, texts = [`**${label}**`]) =>
      r.render(user, texts).then(() => void done.push(label));
    const jobs = [track("alice", "alice 1", [hostileMarkdown.emphasis]), track("alice", "alice 2")];
    await expect(r.render("alice", ["x"])).rejects.toMatchObject({
      code: "rate_limited",
      status: 429,
      headers: { "Retry-After": "10" },
    });
    jobs.push(track("bob", "bob 1"));
    expect(r.stats()).toMatchObject({ running: 1, waiting: 2 });
    await expect(r.render("carol", ["x"])).rejects.toMatchObject({
      code: "service_unavailable",
      status: 503,
      headers: { "Retry-After": "10" },
    });
    await Promise.all(jobs);
    // Alice's second snapshot waited for Bob's, who had had nothing yet.
    expect(done).toEqual(["alice 1", "bob 1", "alice 2"]);
  });

  it("a build without the worker's file renders nothing (plain text) and does not retry per text", async () => {
    const r = renderer({}, () => "/nonexistent/markdown-worker.mjs");
    expect(await r.render("u1", ["**a**", "**b**", "**c**"])).toEqual([null, null, null]);
  });
});
