import { timingSafeEqual } from "node:crypto";
import { ApiError } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { metrics } from "@/lib/observability/metrics";

const sameSecret = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * Prometheus text format, for a scraper holding `Authorization: Bearer METRICS_TOKEN`; absent (404) when METRICS_TOKEN is unset.
   * Public to the route wrapper: a session is no key here, only the token is.
   */
  GET: route({ auth: "public" }, async ({ request }) => {
    const token = process.env.METRICS_TOKEN;
    if (!token) throw new ApiError("not_found", "Not found.");
    const given = /^Bearer (.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
    if (!sameSecret(given, token))
      throw new ApiError("unauthorized", "Send Authorization: Bearer METRICS_TOKEN.", { "WWW-Authenticate": "Bearer" });
    return new Response(await metrics.registry.metrics(), {
      headers: { "content-type": metrics.registry.contentType, "cache-control": "no-store" },
    });
  }),
});
