import "server-only";
import { onShutdown } from "@/lib/shutdown";
import { connectFromEnv, type AppDatabase, type DatabaseHandle } from "./connect";

const globalForDb = globalThis as unknown as { appDatabase?: DatabaseHandle };

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
