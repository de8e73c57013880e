import { getDatabase, isDatabaseNotMigrated } from "@/lib/db/database";
import { isShuttingDown } from "@/lib/observability/shutdown";

// A database that does not answer in this time is "unavailable": a probe must not hang.
const probeTimeoutMs = 3000;

export type Readiness =
  | { ready: true }
  | { ready: false; code: "shutting_down" | "database_unavailable" | "database_not_migrated"; message: string };

/** Should traffic come here? Not while shutting down, nor while the database is unreachable or not migrated. */
export async function probeReadiness(): Promise<Readiness> {
  if (isShuttingDown()) return { ready: false, code: "shutting_down", message: "This instance is shutting down." };
  const handle = getDatabase();
  try {
    await Promise.race([
      (async () => {
        await handle.ready();
        await handle.ping();
      })(),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), probeTimeoutMs).unref()),
    ]);
  } catch (error) {
    if (isDatabaseNotMigrated(error)) return { ready: false, code: "database_not_migrated", message: error.message };
    return { ready: false, code: "database_unavailable", message: "The database does not answer." };
  }
  return { ready: true };
}
