import "server-only";
import path from "node:path";
import { connectPglite, connectPostgres, defaultDataDir, type AppDatabase, type DatabaseHandle } from "@/db/connect";
import { positiveIntFromEnv, type Env } from "@/lib/config/env";
import { logger } from "@/lib/observability/logger";
import { watchPool } from "@/lib/observability/metrics";
import { onShutdown } from "@/lib/observability/shutdown";

export { isDatabaseNotMigrated, type AppDatabase, type DatabaseHandle } from "@/db/connect";

/**
 * The database the environment names (DATABASE_URL), or the embedded one (under .data/, or
 * PGLITE_DATA_DIR: a throwaway instance's own folder), with the app's logger and metrics.
 */
export function connectFromEnv(env: Env = process.env): DatabaseHandle {
  if (!env.DATABASE_URL)
    return connectPglite(
      env.PGLITE_DATA_DIR ? path.resolve(/* turbopackIgnore: true */ env.PGLITE_DATA_DIR) : defaultDataDir,
    );
  return connectPostgres(env.DATABASE_URL, {
    max: positiveIntFromEnv(env, "DATABASE_POOL_MAX", 10),
    onIdleError: (error) => logger.warn({ err: error }, "idle PostgreSQL client error"),
    watchPool,
  });
}

const globalForDb = globalThis as { appDatabase?: DatabaseHandle };

/**
 * One connection per process, also across `next dev` module reloads. It is opened on first
 * use, not at import, because `next build` imports route modules and must not open (or
 * initialise) the embedded database.
 */
export function getDatabase(): DatabaseHandle {
  if (!globalForDb.appDatabase) {
    const handle = connectFromEnv();
    globalForDb.appDatabase = handle;
    // Closed last on shutdown, after the replies in progress are stored.
    onShutdown(() => handle.close());
  }
  return globalForDb.appDatabase;
}

export const db: AppDatabase = new Proxy({} as AppDatabase, {
  get(_target, property) {
    const real = getDatabase().db;
    const value = Reflect.get(real, property, real);
    return typeof value === "function" ? value.bind(real) : value;
  },
});

export const databaseReady = () => getDatabase().ready();
