/*
 * Measures what a tool call costs on top of the MCP server's own work: latency (echo, many times)
 * and memory (one result just under MCP_MAX_RESPONSE_BYTES). The server runs in a child process so
 * the memory numbers are the client's alone.
 *   npx tsx --expose-gc --import ./bench/allow-server-only.mjs bench/mcp-tool-call.ts
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { callServerTool } from "@/lib/tools/mcp-connection";
import { startMcpServer } from "../tests/support/mcp-server";

const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.floor(q * (values.length - 1))];
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function serve() {
  const server = await startMcpServer();
  process.stdin.on("data", (line) => {
    if (String(line).trim() !== "calls") return;
    const calls = {
      handlerMs: server.calls.map((c) => c.handlerMs),
      requestMs: server.requestMs,
      requests: server.requests,
    };
    process.stdout.write(`${JSON.stringify(calls)}\n`);
  });
  process.stdout.write(`${JSON.stringify({ url: server.url, host: server.host })}\n`);
}

async function measure() {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], "--serve"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const iterator = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  const nextLine = async () => String((await iterator.next()).value);
  const { url, host } = JSON.parse(await nextLine());
  process.env.MCP_ALLOWED_HOSTS = host;
  const access = { url, auth: "none" as const };
  const options = { signal: new AbortController().signal, timeoutMs: 30_000, maxResultBytes: 65_536 };

  const served = async () => {
    child.stdin!.write("calls\n");
    return JSON.parse(await nextLine()) as { handlerMs: number[]; requestMs: number[]; requests: number };
  };
  for (let i = 0; i < 5; i++) await callServerTool(access, "echo", { text: "warm-up" }, options);
  const servedBefore = await served();
  const walls: number[] = [];
  for (let i = 0; i < 50; i++) {
    const started = performance.now();
    const result = await callServerTool(access, "echo", { text: `call ${i}` }, options);
    walls.push(performance.now() - started);
    if (result.outcome !== "allowed") throw new Error(result.message);
  }
  const servedAfter = await served();
  const handler = servedAfter.handlerMs.slice(servedBefore.handlerMs.length);
  const posts = servedAfter.requestMs.slice(servedBefore.requestMs.length);
  const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
  const fmt = (values: number[]) =>
    `p50 ${quantile(values, 0.5).toFixed(2)} ms, p95 ${quantile(values, 0.95).toFixed(2)} ms, mean ${mean(values).toFixed(2)} ms`;
  console.log(
    `echo ×50: ${(servedAfter.requests - servedBefore.requests) / 50} HTTP requests per call (${posts.length / 50} POSTs)`,
  );
  console.log(`  whole call:                     ${fmt(walls)}`);
  console.log(`  tool handler on the server:     ${fmt(handler)}`);
  console.log(`  added over the handler:         ${fmt(walls.map((wall, i) => wall - handler[i]))}`);
  console.log(`  server time in its POSTs, mean: ${(posts.reduce((a, b) => a + b, 0) / 50).toFixed(2)} ms per call`);
  console.log(
    `  client + network, mean:         ${(mean(walls) - posts.reduce((a, b) => a + b, 0) / 50).toFixed(2)} ms per call`,
  );

  const maxResponse = Number(process.env.MCP_MAX_RESPONSE_BYTES ?? 4_194_304);
  const bytes = maxResponse - 4096; // the JSON-RPC answer then sits just under the cap
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage();
  let peakHeap = before.heapUsed;
  let peakRss = before.rss;
  let peakExternal = before.external + before.arrayBuffers;
  const sampler = setInterval(() => {
    const now = process.memoryUsage();
    peakHeap = Math.max(peakHeap, now.heapUsed);
    peakRss = Math.max(peakRss, now.rss);
    peakExternal = Math.max(peakExternal, now.external + now.arrayBuffers);
  }, 1);
  const started = performance.now();
  const result = await callServerTool(access, "huge", { bytes: bytes - (bytes % 2) }, options);
  const took = performance.now() - started;
  clearInterval(sampler);
  const after = process.memoryUsage();
  gc?.();
  const settled = process.memoryUsage();
  console.log(
    `huge (${bytes} bytes, cap ${maxResponse}): ${result.outcome} in ${took.toFixed(0)} ms; ` +
      `heap peak +${mib(peakHeap - before.heapUsed)}, external+arrayBuffers peak +${mib(peakExternal - before.external - before.arrayBuffers)}, ` +
      `RSS peak +${mib(peakRss - before.rss)}; heap right after +${mib(after.heapUsed - before.heapUsed)}, after GC +${mib(settled.heapUsed - before.heapUsed)}`,
  );
  child.kill();
  await once(child, "exit");
}

if (process.argv.includes("--serve")) void serve();
else await measure();
