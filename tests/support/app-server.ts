import { spawn, spawnSync } from "node:child_process";
import { appendFileSync } from "node:fs";
import path from "node:path";

export type AppServer = {
  url: string;
  pid: number;
  log: () => string;
  /** Resolves with the exit code (null when killed by a signal it did not handle). */
  exited: Promise<number | null>;
  stop: () => Promise<void>;
};

/** `npm run build`, as users deploy it (next build, then the standalone folder finished). */
export function buildApp(env: NodeJS.ProcessEnv): void {
  const build = spawnSync("npm", ["run", "build"], { env: { ...env, NODE_ENV: "production" }, stdio: "inherit" });
  if (build.status !== 0) throw new Error("npm run build failed");
}

/**
 * `next start` on 127.0.0.1, resolved once it answers. Its own process, so its memory can be measured.
 * Its output is kept (`log()`) and appended to `logFile`; with `discardOutput` it goes straight to
 * /dev/null instead, as a deployment's goes to a file, so that a load test's own process (which
 * would read every line through a pipe) does not pay for the server's log.
 */
export async function startApp(
  port: number,
  env: NodeJS.ProcessEnv,
  logFile?: string,
  { discardOutput = false } = {},
): Promise<AppServer> {
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const nextBin = path.join(process.cwd(), "node_modules", "next", "dist", "bin", "next");
  // Idle keep-alive sockets outlive any pause in a test: with Node's 5 s default, the server could
  // close one just as a test's request context reused it, and the request failed with ECONNRESET.
  const args = ["start", "-H", "127.0.0.1", "-p", String(port), "--keepAliveTimeout", "120000"];
  const server = spawn(process.execPath, [nextBin, ...args], {
    env: { ...env, NODE_ENV: "production" },
    stdio: discardOutput ? ["ignore", "ignore", "ignore"] : ["ignore", "pipe", "pipe"],
  });
  const collect = (d: Buffer) => {
    output += d;
    if (logFile) appendFileSync(logFile, d);
  };
  server.stdout?.on("data", collect);
  server.stderr?.on("data", collect);

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`next start exited early:\n${output}`);
    try {
      // Up: the process serves (whatever state its database is in; /api/ready tells that).
      if ((await fetch(`${url}/api/health`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`next start did not answer on ${url}:\n${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const exited = new Promise<number | null>((resolve) => server.once("exit", (code) => resolve(code)));
  return {
    url,
    pid: server.pid!,
    log: () => output,
    exited,
    stop: async () => {
      if (server.exitCode === null) server.kill("SIGTERM");
      await exited;
    },
  };
}
