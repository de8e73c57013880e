import { getDatabase } from "@/lib/db/database";
import { isDatabaseNotMigrated } from "@/lib/db/database";
import { ApiError } from "@/lib/http/errors";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { isShuttingDown } from "@/lib/observability/shutdown";

// A database that does not answer in this time is "unavailable": a probe must not hang.
const probeTimeoutMs = 3000;

/** Readiness: send traffic here? 503 while shutting down, or while the database is unreachable or not migrated. */
export const GET = apiRoute(async () => {
  if (isShuttingDown()) throw new ApiError("shutting_down", "This instance is shutting down.");
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
    if (isDatabaseNotMigrated(error)) throw new ApiError("database_not_migrated", error.message);
    throw new ApiError("database_unavailable", "The database does not answer.");
  }
  return Response.json({ status: "ready" }, { headers: { "cache-control": "no-store" } });
});

const otherMethod = methodNotAllowed("GET");
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
