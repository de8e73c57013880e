import { apiRoute, methodNotAllowed } from "@/lib/http/route";

/** Liveness: the process serves requests. No session, no database, no limit. */
export const GET = apiRoute(async () => Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } }));

const otherMethod = methodNotAllowed("GET");
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
