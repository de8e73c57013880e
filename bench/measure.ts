import { gzipSync } from "node:zlib";
import type { Browser, Page } from "@playwright/test";

export type Stats = { n: number; p50: number; p95: number; p99: number; mean: number; max: number };

export function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? NaN;
  const mean = sorted.reduce((a, b) => a + b, 0) / (sorted.length || 1);
  return { n: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), mean, max: sorted.at(-1) ?? NaN };
}

/** A result row as the alone-runs of the bench sections print it: latency, rate, errors, value. */
export function rowLine(row: {
  name: string;
  stats?: Stats;
  perSecond?: number;
  errors?: number;
  value?: string;
}): string {
  const s = row.stats;
  const parts = [
    s && `p50 ${s.p50.toFixed(1)} ms  p95 ${s.p95.toFixed(1)}  p99 ${s.p99.toFixed(1)}`,
    row.perSecond !== undefined && `${row.perSecond.toFixed(0)} req/s`,
    row.errors !== undefined && `${row.errors} errors`,
    row.value,
  ].filter(Boolean);
  return `${row.name}: ${parts.join("  ")}`;
}

/** Runs `task` `total` times with at most `concurrency` in flight; returns each run's result. */
export async function runConcurrent<T>(
  total: number,
  concurrency: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results: T[] = new Array(total);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, total) }, async () => {
      while (next < total) {
        const i = next++;
        results[i] = await task(i);
      }
    }),
  );
  return results;
}

/** Milliseconds from sending the request until the first body byte arrives; the rest is drained. */
export async function timeToFirstByte(
  url: string,
  init: RequestInit,
): Promise<{ ms: number; status: number; body: string }> {
  const started = performance.now();
  const response = await fetch(url, init);
  const reader = response.body!.getReader();
  const first = await reader.read();
  const ms = performance.now() - started;
  const decoder = new TextDecoder();
  let body = first.value ? decoder.decode(first.value, { stream: true }) : "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    body += decoder.decode(value, { stream: true });
  }
  return { ms, status: response.status, body };
}

/** Milliseconds for a whole request and its body. */
export async function timeRequest(url: string, init: RequestInit = {}): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const response = await fetch(url, init);
  await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status };
}

/**
 * Gzipped bytes of the JavaScript a first visit to `url` downloads in a real browser, up to the
 * moment the page is usable (`ready`) and the network is idle: chunks the page pulls in at once
 * count, `nomodule` polyfills that modern browsers skip do not.
 */
export async function firstVisitScriptBytes(
  browser: Browser,
  url: string,
  cookie: string,
  ready: (page: Page) => Promise<void>,
): Promise<{ scripts: number; gzipBytes: number; files: { url: string; gzipBytes: number }[] }> {
  const context = await browser.newContext();
  const [name, ...value] = cookie.split("=");
  await context.addCookies([{ name, value: value.join("="), url }]);
  const page = await context.newPage();
  const bodies: Promise<{ url: string; body: Buffer }>[] = [];
  page.on("response", (response) => {
    if (response.request().resourceType() === "script")
      bodies.push(response.body().then((body) => ({ url: response.url(), body })));
  });
  await page.goto(url);
  await ready(page);
  await page.waitForLoadState("networkidle");
  const files = (await Promise.all(bodies)).map(({ url, body }) => ({
    url,
    gzipBytes: gzipSync(body, { level: 9 }).length,
  }));
  await context.close();
  const gzipBytes = files.reduce((sum, f) => sum + f.gzipBytes, 0);
  return { scripts: files.length, gzipBytes, files: files.sort((a, b) => b.gzipBytes - a.gzipBytes) };
}

/** Resident memory of a process and all its descendants, in bytes (Linux /proc). */
export async function treeRssBytes(rootPid: number): Promise<number> {
  const { readdir, readFile } = await import("node:fs/promises");
  const children = new Map<number, number[]>();
  const rss = new Map<number, number>();
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const status = await readFile(`/proc/${entry}/status`, "utf8");
      const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
      const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      rss.set(Number(entry), kb * 1024);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  let total = 0;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop()!;
    total += rss.get(pid) ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return total;
}
