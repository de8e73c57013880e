import "server-only";
import { connectFromEnv, type AppDatabase, type DatabaseHandle } from "./connect";

const globalForDb = globalThis as unknown as { appDatabase?: DatabaseHandle };

/**
 * One connection per process, also across `next dev` module reloads. It is opened on first
 * use, not at import, because `next build` imports route modules and must not open (or
 * initialise) the embedded database.
 */
export function getDatabase(): DatabaseHandle {
  return (globalForDb.appDatabase ??= connectFromEnv());
}

export const db: AppDatabase = new Proxy({} as AppDatabase, {
  get(_target, property) {
    const real = getDatabase().db;
    const value = Reflect.get(real, property, real);
    return typeof value === "function" ? value.bind(real) : value;
  },
});

export const databaseReady = () => getDatabase().ready();
