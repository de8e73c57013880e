import { methods, route } from "@/lib/http/route";

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Liveness: the process serves requests. No session, no database, no limit. */
  GET: route({ auth: "public" }, async () =>
    Response.json({ status: "ok" }, { headers: { "cache-control": "no-store" } }),
  ),
});
