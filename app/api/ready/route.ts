import { ApiError } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { probeReadiness } from "@/lib/observability/readiness";

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Readiness: send traffic here? 503 while shutting down, or while the database is unreachable or not migrated. */
  GET: route({ auth: "public" }, async () => {
    const readiness = await probeReadiness();
    if (!readiness.ready) throw new ApiError(readiness.code, readiness.message);
    return Response.json({ status: "ready" }, { headers: { "cache-control": "no-store" } });
  }),
});
