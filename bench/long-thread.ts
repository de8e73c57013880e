/**
 * Opening a long thread's address (`/chat/:id`) in Chromium, and scrolling a longer one to its first
 * message. bench/run.ts calls `benchLongThread` with its app and browser; run alone,
 *   npx tsx --import ./bench/allow-server-only.mjs bench/long-thread.ts    (uses the last `npm run build`)
 * it starts a PostgreSQL and the app of its own, seeds just these threads and prints the same rows.
 *   BENCH_LONG_THREAD_PROFILE=DIR   also writes a CPU profile and a trace of one open into DIR
 *   BENCH_LONG_THREAD_MESSAGES=N    opens a thread of N messages instead of 500 (N=20: the cost of any open)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import pg from "pg";
import type { Browser, Page } from "@playwright/test";
import { stats, type Stats } from "./measure";

export type LongThreadRow = { name: string; stats?: Stats; value?: string; target: string; pass: boolean };

/**
 * A thread of `messages` messages for `userId`, written in SQL as the app stores them (user and
 * assistant in turn, each the parent of the next, ids `m1`…`mN`). Each text starts with
 * "Message i:" so the bench can tell the last and the first apart, and holds one word of its own
 * ("mark" i "x", for a search to find); replies carry a little Markdown (a list and inline code),
 * as a model's do. The browser test seeds its thread with this too.
 */
export async function seedLongThread(url: string, userId: string, messages: number, title: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("begin");
    const { rows } = await client.query(
      `insert into thread (user_id, title, created_at, updated_at, last_message_at)
       values ($1, $2, now() - interval '400 days', now() - interval '400 days', now() - interval '400 days') returning id`,
      [userId, title],
    );
    const threadId = rows[0].id as string;
    await client.query(
      `insert into message (thread_id, id, parent_id, role, format, content, status, created_at)
       select $1, 'm' || i, case when i = 1 then null else 'm' || (i - 1) end,
              case when i % 2 = 1 then 'user' else 'assistant' end, 'ai-sdk/v6',
              jsonb_build_object('role', case when i % 2 = 1 then 'user' else 'assistant' end,
                                 'parts', jsonb_build_array(jsonb_build_object('type', 'text', 'text',
                                   'Message ' || i || ': mark' || i || 'x ' || repeat('A realistic paragraph of chat text. ', 12) ||
                                   case when i % 2 = 0 then E'\n\n- a point with \`code\`\n- another **point**\n\nThe end.' else '' end))),
              'complete', now() - interval '400 days' + make_interval(secs => i)
       from generate_series(1, $2::int) i`,
      [threadId, messages],
    );
    await client.query("commit");
    return threadId;
  } catch (error) {
    await client.query("rollback");
    throw error;
  } finally {
    await client.end();
  }
}

/**
 * Checks that run in the page on every frame: cheap (one query, one text) and without inner
 * functions (tsx would wrap their names in a helper the page does not have).
 */
const lastMessageShown = (n: number) => {
  const rows = document.querySelectorAll("[data-role]");
  return rows.length > 0 && (rows[rows.length - 1].textContent ?? "").startsWith(`Message ${n}:`);
};
const lastMessageLive = (n: number) => {
  const rows = document.querySelectorAll("[data-role]");
  const last = rows[rows.length - 1];
  const composer = document.querySelector<HTMLTextAreaElement>('textarea[aria-label="Message"]');
  return (
    !!last &&
    (last.textContent ?? "").startsWith(`Message ${n}:`) &&
    !!last.querySelector('button[aria-label="Copy"]') &&
    !!composer &&
    !composer.disabled
  );
};

/**
 * When the last message was painted (the page's Element Timing entry for the server-rendered copy's
 * last message, `elementtiming="thread-last-message"`), as epoch milliseconds; null without one. A
 * string, run as is in the page (see above).
 */
const lastMessagePaintedScript = `new Promise((resolve) => {
  const observer = new PerformanceObserver((list) => {
    const entry = list.getEntries().find((e) => e.identifier === "thread-last-message" && e.renderTime > 0);
    if (entry) {
      observer.disconnect();
      resolve(performance.timeOrigin + entry.renderTime);
    }
  });
  observer.observe({ type: "element", buffered: true });
  setTimeout(() => resolve(null), 2000);
})`;

/**
 * From navigation to the last message on screen: painted (Element Timing: the browser's own time of
 * the paint) and seen in the page by a check once per animation frame (which runs only between the
 * page's tasks, so hydration delays it), and to the live thread: the composer usable and the last
 * message live (its action bar there, so the chat runtime holds the thread and Retry, Edit, branches
 * and Stop work). The clocks of this process and the page are both the machine's.
 */
async function openOnce(page: Page, url: string, messages: number) {
  const startedAt = performance.timeOrigin + performance.now();
  const started = performance.now();
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction(lastMessageShown, messages, { timeout: 60_000 });
  const shown = performance.now() - started;
  await page.waitForFunction(lastMessageLive, messages, { timeout: 60_000 });
  const live = performance.now() - started;
  const paintedAt = (await page.evaluate(lastMessagePaintedScript)) as number | null;
  return { shown, painted: paintedAt === null ? null : paintedAt - startedAt, live };
}

/**
 * Scrolls the open thread to its first message the way a fast wheel does (1,000 px a frame, from
 * the bottom): how long until the first message is on screen, and the frames and long tasks meanwhile.
 */
const scrollToFirstScript = `(async () => {
  const longTasks = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) longTasks.push(entry.duration);
  });
  observer.observe({ type: "longtask" });
  const firstRow = () => {
    const rows = document.querySelectorAll("[data-role]");
    return rows.length > 0 && (rows[0].textContent ?? "").startsWith("Message 1:") ? rows[0] : null;
  };
  let scroller = document.querySelector("[data-role]")?.parentElement ?? null;
  while (scroller && !/(auto|scroll)/.test(getComputedStyle(scroller).overflowY)) scroller = scroller.parentElement;
  if (!scroller) throw new Error("no scrolling container around the messages");
  const frames = [];
  const started = performance.now();
  let last = started;
  await new Promise((resolve, reject) => {
    const step = (now) => {
      frames.push(now - last);
      last = now;
      const first = firstRow();
      if (first && scroller.scrollTop === 0 && first.getBoundingClientRect().bottom > 0) return resolve();
      if (now - started > 120000) return reject(new Error("the first message never came"));
      scroller.scrollTop -= 1000;
      requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
  });
  const ms = performance.now() - started;
  // Long tasks are reported after they end: one more frame to collect the last.
  await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50)));
  observer.disconnect();
  return { ms, frames: frames.slice(1), longTasks, rendered: document.querySelectorAll("[data-role]").length };
})()`;

async function scrollToFirst(page: Page) {
  return (await page.evaluate(scrollToFirstScript)) as {
    ms: number;
    frames: number[];
    longTasks: number[];
    rendered: number;
  };
}

/** A CPU profile and a trace of one open, for finding where the time goes (see the README's note). */
async function profileOpen(browser: Browser, page: Page, url: string, messages: number, dir: string) {
  mkdirSync(dir, { recursive: true });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
  await cdp.send("Profiler.start");
  await openOnce(page, url, messages);
  const { profile } = await cdp.send("Profiler.stop");
  writeFileSync(path.join(dir, "open.cpuprofile"), JSON.stringify(profile));
  await browser.startTracing(page, { path: path.join(dir, "open.trace.json"), screenshots: false });
  await openOnce(page, url, messages);
  await browser.stopTracing();
}

export async function benchLongThread(options: {
  browser: Browser;
  baseURL: string;
  databaseUrl: string;
  cookie: string;
  userId: string;
  record: (row: LongThreadRow) => void;
  /** Messages of the thread that is opened (500) and of the one that is scrolled (2,000). */
  messages?: number;
  scrollMessages?: number;
  opens?: number;
}) {
  const { browser, baseURL, databaseUrl, cookie, userId, record } = options;
  const messages = options.messages ?? 500;
  const scrollMessages = options.scrollMessages ?? 2000;
  const opens = options.opens ?? 10;
  const threadId = await seedLongThread(databaseUrl, userId, messages, "The long thread (bench)");
  const context = await browser.newContext();
  const [name, ...value] = cookie.split("=");
  await context.addCookies([{ name, value: value.join("="), url: baseURL }]);
  const page = await context.newPage();
  try {
    const url = `${baseURL}/chat/${threadId}`;
    await openOnce(page, url, messages); // warms the server's route and the browser's cache
    const shown: number[] = [];
    const painted: number[] = [];
    let unpainted = 0;
    const live: number[] = [];
    for (let i = 0; i < opens; i++) {
      const run = await openOnce(page, url, messages);
      shown.push(run.shown);
      // No entry when the live thread took the server copy's place before it was painted: the check's time then.
      if (run.painted === null) unpainted++;
      painted.push(run.painted ?? run.shown);
      live.push(run.live);
    }
    record({
      name: `open /chat/:id (${messages} messages): last message on screen (painted)`,
      stats: stats(painted),
      ...(unpainted > 0 && { value: `${unpainted} of ${opens} opens had no paint entry (the check's time counted)` }),
      target: "p50 ≤ 300 ms",
      pass: stats(painted).p50 <= 300,
    });
    record({
      name: `open /chat/:id (${messages} messages): last message seen in the page by a check each frame`,
      stats: stats(shown),
      target: "report",
      pass: true,
    });
    record({
      name: `open /chat/:id (${messages} messages): live thread ready (composer usable)`,
      stats: stats(live),
      target: "p50 ≤ 500 ms",
      pass: stats(live).p50 <= 500,
    });
    const profileDir = process.env.BENCH_LONG_THREAD_PROFILE;
    if (profileDir) await profileOpen(browser, page, url, messages, profileDir);

    if (scrollMessages > 0) {
      const longer = await seedLongThread(databaseUrl, userId, scrollMessages, "The longer thread (bench)");
      const opened = await openOnce(page, `${baseURL}/chat/${longer}`, scrollMessages);
      const scroll = await scrollToFirst(page);
      const frames = stats(scroll.frames);
      const slow = scroll.frames.filter((f) => f > 50).length;
      record({
        name: `scroll /chat/:id (${scrollMessages} messages) from the last message to the first, frames`,
        stats: frames,
        value:
          `open: shown ${opened.shown.toFixed(0)} ms, live ${opened.live.toFixed(0)} ms; scroll ${scroll.ms.toFixed(0)} ms, ` +
          `${scroll.frames.length} frames (${slow} over 50 ms), ${scroll.longTasks.length} long tasks ` +
          `(${scroll.longTasks.reduce((a, b) => a + b, 0).toFixed(0)} ms, longest ${Math.max(0, ...scroll.longTasks).toFixed(0)}), ` +
          `${scroll.rendered} messages in the page at the top`,
        target: "report",
        pass: true,
      });
    }
  } finally {
    await context.close();
  }
}

/** Alone: a PostgreSQL and an app of its own, the bench user, then the rows above. */
async function main() {
  const { chromium } = await import("@playwright/test");
  const { chromiumLaunchOptions } = await import("../tests/support/chromium");
  const { printRow, startStandalone } = await import("./standalone");
  const app = await startStandalone("bench-long");
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    await benchLongThread({
      ...app,
      browser,
      messages: Number(process.env.BENCH_LONG_THREAD_MESSAGES ?? 500),
      opens: Number(process.env.BENCH_LONG_THREAD_OPENS ?? 10),
      scrollMessages: Number(process.env.BENCH_LONG_THREAD_SCROLL ?? 2000),
      record: printRow,
    });
  } finally {
    await browser.close();
    await app.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
