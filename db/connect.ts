import "server-only";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { migrationsFolder } from "./migrations";
import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { Client, Pool } from "pg";
import * as schema from "./schema";

export type AppDatabase = PgDatabase<PgQueryResultHKT, typeof schema>;

export type DatabaseHandle = {
  db: AppDatabase;
  kind: "postgres" | "pglite";
  /** Resolves once the database can serve the app's queries (migrated, or checked to be). */
  ready: () => Promise<void>;
  /**
   * Calls `onPayload` for every `pg_notify(channel, payload)` made on this database, by any app
   * instance. Best effort: a lost connection is re-made, so callers also poll now and then.
   * `onConnection` hears when notices start arriving (true) and when they may be missed (false).
   */
  listen: (
    channel: string,
    onPayload: (payload: string) => void,
    onConnection?: (connected: boolean) => void,
  ) => Promise<void>;
  /** One round trip to the database, for readiness checks. */
  ping: () => Promise<void>;
  close: () => Promise<void>;
};

export const defaultDataDir = path.join(process.cwd(), ".data", "pglite");

/** The creation time drizzle-kit gave the newest migration in drizzle/ (what `migrate` records as created_at). */
const newestMigration = () => {
  const journal = JSON.parse(readFileSync(path.join(migrationsFolder, "meta", "_journal.json"), "utf8")) as {
    entries: { when: number }[];
  };
  return Math.max(...journal.entries.map((e) => e.when));
};

export class DatabaseNotMigratedError extends Error {
  constructor() {
    super(
      "The PostgreSQL database at DATABASE_URL is not migrated to this version of the app. Run `npm run db:migrate`; the app picks the tables up without a restart.",
    );
    this.name = "DatabaseNotMigratedError";
  }
}

/** By name, not instanceof: Next bundles server code per layer, so the class can exist twice. */
export const isDatabaseNotMigrated = (error: unknown): error is DatabaseNotMigratedError =>
  error instanceof Error && error.name === "DatabaseNotMigratedError";

/** Memoises a successful async step; a failure is retried on the next call. */
function once(step: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => {
    pending ??= step().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

/**
 * What whoever opens the database hands it: db/ sits below the app's logger and metrics
 * (lib/observability), so it is given them instead of importing them.
 */
export type PostgresOptions = {
  max?: number;
  /** Hears an idle client's connection error (the pool replaces the client on its own). */
  onIdleError?: (error: Error) => void;
  /** Given the pool once, for metrics that read its counts when scraped. */
  watchPool?: (pool: Pool) => void;
};

export function connectPostgres(url: string, options: PostgresOptions = {}): DatabaseHandle {
  const pool = new Pool({ connectionString: url, max: options.max ?? 10 });
  // An idle client that loses its server must not crash the process; the next query reconnects.
  pool.on("error", (error) => options.onIdleError?.(error));
  options.watchPool?.(pool);
  const db = drizzlePg({ client: pool, schema }) as unknown as AppDatabase;
  // Ready once the newest migration this build ships is applied: an upgrade whose migration was
  // not run gets the clear 503 instead of failing on its first new table.
  const ready = once(async () => {
    const { rows } = await pool.query<{ table: string | null }>(
      "select to_regclass('drizzle.__drizzle_migrations')::text as table",
    );
    if (!rows[0]?.table) throw new DatabaseNotMigratedError();
    const applied = await pool.query<{ when: string | null }>(
      "select max(created_at)::text as when from drizzle.__drizzle_migrations",
    );
    if (Number(applied.rows[0]?.when ?? 0) < newestMigration()) throw new DatabaseNotMigratedError();
  });
  // One extra connection per process, only once something listens: LISTEN needs a session of its own.
  let listener: Client | undefined;
  let closed = false;
  const channels = new Map<string, Set<(payload: string) => void>>();
  const watchers = new Set<(connected: boolean) => void>();
  const connectListener = async (): Promise<void> => {
    const client = new Client({ connectionString: url });
    client.on("notification", (n) => channels.get(n.channel)?.forEach((fn) => fn(n.payload ?? "")));
    const reconnect = () => {
      if (listener !== client || closed) return;
      listener = undefined;
      watchers.forEach((fn) => fn(false));
      client.end().catch(() => {});
      setTimeout(() => void connectListener().catch(() => {}), 1000).unref();
    };
    client.on("error", reconnect);
    client.on("end", reconnect);
    listener = client;
    try {
      await client.connect();
      for (const channel of channels.keys()) await client.query(`listen "${channel}"`);
    } catch (error) {
      reconnect();
      throw error;
    }
    watchers.forEach((fn) => fn(true));
  };
  const listen = async (
    channel: string,
    onPayload: (payload: string) => void,
    onConnection?: (connected: boolean) => void,
  ) => {
    channels.set(channel, (channels.get(channel) ?? new Set()).add(onPayload));
    // Told of every (re)connection from now on, also when this first attempt fails and a later one works.
    if (onConnection) watchers.add(onConnection);
    if (!listener) return connectListener();
    await listener.query(`listen "${channel}"`);
    onConnection?.(true);
  };
  const close = async () => {
    closed = true;
    await listener?.end().catch(() => {});
    await pool.end();
  };
  const ping = async () => {
    await pool.query("select 1");
  };
  return { db, kind: "postgres", ready, listen, ping, close };
}

/** An embedded PostgreSQL (PGlite). `dataDir` undefined keeps it in memory (tests). */
export function connectPglite(dataDir: string | undefined): DatabaseHandle {
  if (dataDir && !existsSync(dataDir)) mkdirSync(dataDir, { recursive: true });
  const client = new PGlite(dataDir);
  const db = drizzlePglite({ client, schema }) as unknown as AppDatabase;
  // The embedded database needs no setup: it migrates itself on first use.
  const ready = once(() => migratePglite(drizzlePglite({ client }), { migrationsFolder }));
  // One process, one connection: once listening, no notice can be missed.
  const listen = async (
    channel: string,
    onPayload: (payload: string) => void,
    onConnection?: (connected: boolean) => void,
  ) => {
    await client.listen(channel, onPayload);
    onConnection?.(true);
  };
  const ping = async () => {
    await client.query("select 1");
  };
  return { db, kind: "pglite", ready, listen, ping, close: () => client.close() };
}
