import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "pg";

export type TestPostgres = {
  url: string;
  stop: () => Promise<void>;
  /** Stop and start the server, keeping its data (throwaway clusters only). */
  pauseServer?: () => void;
  resumeServer?: () => void;
};

const binDirs = [
  "/usr/lib/postgresql/18/bin",
  "/usr/lib/postgresql/17/bin",
  "/usr/lib/postgresql/16/bin",
  "/usr/lib/postgresql/15/bin",
];

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function findBinDir(): string {
  const dir = process.env.POSTGRES_BIN_DIR ?? binDirs.find((d) => existsSync(path.join(d, "initdb")));
  if (!dir) {
    throw new Error(
      "No PostgreSQL server binaries found. Install one (apt-get install -y postgresql) or set TEST_DATABASE_URL.",
    );
  }
  return dir;
}

/** Creates an empty database with a unique name on the server and returns its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * A real PostgreSQL for the tests: the server in TEST_DATABASE_URL (a fresh database is created
 * on it), or a throwaway cluster on 127.0.0.1 that `stop()` shuts down and deletes.
 */
export async function startTestPostgres(label: string): Promise<TestPostgres> {
  const dbName = `test_${label}_${process.pid}_${Date.now()}`;
  if (process.env.TEST_DATABASE_URL) {
    return { url: await createDatabase(process.env.TEST_DATABASE_URL, dbName), stop: async () => {} };
  }
  const bin = findBinDir();
  const dir = mkdtempSync(path.join(tmpdir(), "pg-"));
  const asRoot = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root; run the cluster as the postgres user then.
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot
      ? ["runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...args]]
      : [path.join(bin, cmd), args];
    const result = spawnSync(file, argv, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr || result.stdout}`);
  };
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  run("initdb", ["-D", dir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"]);
  const startServer = () =>
    run("pg_ctl", [
      "-D",
      dir,
      "-w",
      "-l",
      path.join(dir, "server.log"),
      "-o",
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`,
      "start",
    ]);
  startServer();
  const url = await createDatabase(`postgres://postgres@127.0.0.1:${port}/postgres`, dbName);
  return {
    url,
    pauseServer: () => run("pg_ctl", ["-D", dir, "-m", "fast", "-w", "stop"]),
    resumeServer: startServer,
    stop: async () => {
      try {
        // Already stopped (a test paused it) is fine.
        if (existsSync(path.join(dir, "postmaster.pid"))) run("pg_ctl", ["-D", dir, "-m", "immediate", "-w", "stop"]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
