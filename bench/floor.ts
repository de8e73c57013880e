/**
 * The floor: the app's empty API route (an unknown /api path, which answers a JSON 404 and touches
 * no data) with every request hook the app installs on each request (request id, request log
 * line, request metrics, client address), against the same build without them: a second server
 * with bench/no-request-hooks.mjs preloaded, so instrumentation.ts installs neither hook. Same
 * build, Next.js, route, settings and machine: the difference between the two is the hooks alone.
 * The two are measured in alternating rounds (A B B A …) at 20 clients, so that drift on this
 * shared machine falls on both alike.
 *
 * bench/run.ts runs it as one section (BENCH_ONLY=floor runs it alone there). Alone, on a PostgreSQL
 * of its own, with the last `npm run build`:
 *   npx tsx --import ./bench/allow-server-only.mjs bench/floor.ts
 * BENCH_FLOOR_PROFILE=1: instead, a V8 CPU profile of the server with the hooks under the same load
 * (bench/results/profiles/), and each hook's share of its CPU time.
 */
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { startApp, type AppServer } from "../tests/support/app-server";
import { freePort } from "../tests/support/postgres";
import { rowLine, runConcurrent, stats, timeRequest, type Stats } from "./measure";

export type FloorRow = {
  name: string;
  stats?: Stats;
  baseline?: Stats;
  perSecond?: number;
  errors?: number;
  value?: string;
  target: string;
  pass: boolean;
};

const floorPath = "/api/bench-floor";
const hooksOff = pathToFileURL(path.join(process.cwd(), "bench", "no-request-hooks.mjs")).href;

/**
 * The two servers, hooks on (`on`, or a new one) and off, each checked to be what it says (the
 * hooks add X-Request-Id); `stop` stops the ones started here.
 */
export async function startFloorServers(env: NodeJS.ProcessEnv) {
  const started: AppServer[] = [];
  // Their output goes to /dev/null, not through a pipe into this process, which is also the load
  // generator: read here, the hooks' log lines cost the client, and the client's loss was counted
  // against the hooks (about 0.86× on the same build measured through pipes).
  const start = async (extra: Record<string, string>) => {
    const port = await freePort();
    const server = await startApp(port, { ...env, BETTER_AUTH_URL: `http://127.0.0.1:${port}`, ...extra }, undefined, {
      discardOutput: true,
    });
    started.push(server);
    return server;
  };
  const stop = () => Promise.all(started.map((s) => s.stop())).then(() => undefined);
  const on = await start({});
  const off = await start({ NODE_OPTIONS: `${env.NODE_OPTIONS ?? ""} --import=${hooksOff}`.trim() });
  const idOf = async (server: AppServer) => (await fetch(`${server.url}${floorPath}`)).headers.get("x-request-id");
  if (!(await idOf(on)) || (await idOf(off))) {
    await stop();
    throw new Error("floor: the hooks are not on in the first server and off in the second");
  }
  return { on, off, stop };
}

type Round = { perSecond: number; samples: number[]; errors: number };

async function round(url: string, total: number, clients: number): Promise<Round> {
  const started = performance.now();
  const results = await runConcurrent(total, clients, () => timeRequest(url));
  const seconds = (performance.now() - started) / 1000;
  const ok = results.filter((r) => r.status === 404);
  return { perSecond: total / seconds, samples: ok.map((r) => r.ms), errors: total - ok.length };
}

const median = (values: number[]) => stats(values).p50;

/**
 * `rounds` pairs of `requests` at `clients`, the order alternating (on/off, off/on, …); each
 * pair's ratio of requests per second, and every latency sample pooled per server.
 */
export async function compareFloor(
  on: AppServer,
  off: AppServer,
  { rounds = 10, requests = 2000, clients = 20 } = {},
): Promise<{ on: Round; off: Round; ratios: number[] }> {
  const url = (server: AppServer) => `${server.url}${floorPath}`;
  // Warm both: the JIT, keep-alive sockets, Next.js's route module.
  for (const server of [on, off]) await round(url(server), 600, clients);
  const onRounds: Round[] = [];
  const offRounds: Round[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 === 0 ? [on, off] : [off, on];
    const measured = new Map<AppServer, Round>();
    for (const server of order) measured.set(server, await round(url(server), requests, clients));
    onRounds.push(measured.get(on)!);
    offRounds.push(measured.get(off)!);
    ratios.push(measured.get(on)!.perSecond / measured.get(off)!.perSecond);
  }
  const pool = (rs: Round[]): Round => ({
    perSecond: median(rs.map((r) => r.perSecond)),
    samples: rs.flatMap((r) => r.samples),
    errors: rs.reduce((n, r) => n + r.errors, 0),
  });
  return { on: pool(onRounds), off: pool(offRounds), ratios };
}

/**
 * The floor rows of `npm run bench`: two servers of their own, with the hooks and without; returns
 * the floor with the hooks, which other rows are judged against.
 */
export async function benchFloor(env: NodeJS.ProcessEnv, record: (row: FloorRow) => void) {
  const servers = await startFloorServers(env);
  try {
    const { on: withHooks, off: bare, ratios } = await compareFloor(servers.on, servers.off);
    const ratio = median(ratios);
    const spread = `${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}`;
    const floor = { stats: stats(withHooks.samples), perSecond: withHooks.perSecond, errors: withHooks.errors };
    record({
      name: "floor: bare Next.js (the empty API route, request hooks off), 20 clients",
      stats: stats(bare.samples),
      perSecond: bare.perSecond,
      errors: bare.errors,
      target: "report",
      pass: true,
    });
    record({
      name: "floor: the empty API route with every request hook (id, log line, metrics, client address), 20 clients",
      ...floor,
      baseline: stats(bare.samples),
      value: `${ratio.toFixed(3)}× bare Next.js's req/s (median of ${ratios.length} alternating rounds, spread ${spread})`,
      target: "≥ 0.95× bare Next.js's req/s",
      pass: ratio >= 0.95,
    });
    return floor;
  } finally {
    await servers.stop();
  }
}

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
};
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

/**
 * Where the server's CPU time went, by what each sample was doing: a hook's own code (found by
 * the string literals in its source, which minification keeps) and what it calls (pino, prom-client,
 * the route pattern, the request id), or Next.js's handling of the request. A sample counts for a
 * hook only while the hook itself is on its stack above any event dispatch, so the Next.js work a
 * hook wrapper calls into (`emit` of the request) stays Next.js's.
 */
export function hookShares(profile: Profile): { total: number; shares: [string, number][] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const sources = new Map<string, string[]>();
  const sourceAt = (url: string, line: number, column: number) => {
    if (!url.includes("/.next/")) return "";
    let lines = sources.get(url);
    if (!lines) {
      try {
        lines = readFileSync(url.startsWith("file:") ? new URL(url) : url, "utf8").split("\n");
      } catch {
        lines = [];
      }
      sources.set(url, lines);
    }
    return (lines[line] ?? "").slice(column, column + 700);
  };
  const hookOf = new Map<number, string | null>();
  const hookFrame = (node: ProfileNode): string | null => {
    if (hookOf.has(node.id)) return hookOf.get(node.id)!;
    const { url, lineNumber, columnNumber } = node.callFrame;
    const text = sourceAt(url, lineNumber, columnNumber);
    const hook = text.includes("X-Request-Id")
      ? "request hook: id, context, close listener set-up"
      : text.includes('"/_next/*"') || text.includes("'/_next/*'")
        ? "request hook: on close (log line, metrics)"
        : text.includes("x-forwarded-for") && text.includes("request")
          ? "client-address hook"
          : text.includes("(unmatched)")
            ? "route pattern"
            : null;
    hookOf.set(node.id, hook);
    return hook;
  };
  const library = (node: ProfileNode): string | null => {
    const { url, functionName } = node.callFrame;
    if (/node_modules\/(pino|sonic-boom|fast-redact|@pinojs|quick-format-unescaped|fast-safe-stringify)\//.test(url))
      return "pino (log line)";
    if (url.includes("node_modules/prom-client/")) return "prom-client (metrics)";
    if (functionName === "randomUUID") return "randomUUID (request id)";
    return null;
  };
  const totals = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    const leaf = byId.get(id)!;
    if (leaf.callFrame.functionName === "(idle)") return;
    total += dt;
    let what: string | null = null;
    let lib: string | null = null;
    for (let n: ProfileNode | undefined = leaf; n; n = byId.get(parent.get(n.id) ?? -1)) {
      lib ??= library(n);
      const hook = hookFrame(n);
      if (hook) {
        what = hook === "route pattern" || !lib ? hook : `${hook} → ${lib}`;
        break;
      }
      // An event dispatch below any hook frame: Next.js's (or Node's) own work, run by the hook's `emit`.
      if (n.callFrame.functionName === "emit" && n.callFrame.url.startsWith("node:")) break;
    }
    if (!what && ["(garbage collector)", "(program)"].includes(leaf.callFrame.functionName))
      what = leaf.callFrame.functionName;
    // The log line's write ends later, on its own (sonic-boom's callback when the write is done).
    if (!what && lib) what = `${lib}, outside a request hook (write completions)`;
    const key = what ?? "everything else (Next.js, Node's HTTP, …)";
    totals.set(key, (totals.get(key) ?? 0) + dt);
  });
  return { total, shares: [...totals.entries()].sort((a, b) => b[1] - a[1]) };
}

/** The self time of the heaviest functions, for reading a profile by hand. */
export function topFunctions(profile: Profile, count = 25): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const { functionName, url, lineNumber, columnNumber } = byId.get(id)!.callFrame;
    if (functionName === "(idle)") return;
    const key = `${functionName || "(anonymous)"} ${url.replace(/^.*\/(node_modules|\.next)\//, "$1/")}:${lineNumber + 1}:${columnNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
    total += profile.timeDeltas[i] ?? 0;
  });
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
}

async function main() {
  const { startTestPostgres } = await import("../tests/support/postgres");
  const { migratePostgres } = await import("../tests/support/migrate");
  const postgres = await startTestPostgres("floor");
  await migratePostgres(postgres.url);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: postgres.url,
    BETTER_AUTH_SECRET: "bench-secret-bench-secret-bench-secret-01",
    NEXT_TELEMETRY_DISABLED: "1",
  };
  const print = (row: FloorRow) => console.log(`${row.pass ? "✓" : "✗"} ${rowLine(row)}  (target ${row.target})`);
  try {
    if (process.env.BENCH_FLOOR_PROFILE !== "1") {
      const rounds = Number(process.env.BENCH_FLOOR_ROUNDS ?? 8);
      for (let i = 0; i < Number(process.env.BENCH_FLOOR_REPEAT ?? 1); i++) {
        const { on, off, stop } = await startFloorServers(env);
        try {
          const { on: a, off: b, ratios } = await compareFloor(on, off, { rounds });
          print({
            name: "floor, request hooks off (bare Next.js)",
            stats: stats(b.samples),
            perSecond: b.perSecond,
            errors: b.errors,
            target: "report",
            pass: true,
          });
          const ratio = median(ratios);
          print({
            name: "floor, every request hook",
            stats: stats(a.samples),
            perSecond: a.perSecond,
            errors: a.errors,
            value: `${ratio.toFixed(3)}× (rounds: ${ratios.map((r) => r.toFixed(3)).join(" ")})`,
            target: "≥ 0.95×",
            pass: ratio >= 0.95,
          });
        } finally {
          await stop();
        }
      }
      return;
    }
    const dir = path.join(process.cwd(), "bench", "results", "profiles");
    mkdirSync(dir, { recursive: true });
    const before = new Set(readdirSync(dir));
    const port = await freePort();
    const server = await startApp(port, {
      ...env,
      BETTER_AUTH_URL: `http://127.0.0.1:${port}`,
      NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${dir} --cpu-prof-interval=200`,
    });
    const url = `${server.url}${floorPath}`;
    await round(url, 2000, 20);
    const measured = await round(url, Number(process.env.BENCH_FLOOR_REQUESTS ?? 20000), 20);
    console.log(`profiled: ${measured.perSecond.toFixed(0)} req/s, ${measured.errors} errors`);
    await server.stop();
    const written = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile") && !before.has(f));
    for (const file of written) {
      const profile = JSON.parse(readFileSync(path.join(dir, file), "utf8")) as Profile;
      const { total, shares } = hookShares(profile);
      if (total < 1e6) continue; // a helper process's profile, not the server's
      console.log(`\n${file}: ${(total / 1e6).toFixed(1)} s of CPU (idle left out)`);
      for (const [what, us] of shares) console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${what}`);
      console.log("\nheaviest functions (self time):");
      for (const line of topFunctions(profile)) console.log(line);
    }
  } finally {
    await postgres.stop();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
