import "server-only";
import { sql } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { shareViewUsage } from "@/db/schema";
import { queryRows } from "@/lib/db/rows";
import { atMostEvery } from "@/lib/observability/at-most-every";
import { readShareViewLimit } from "@/lib/sharing/settings";
import { addressGroupOf } from "@/lib/http/client-address";

/**
 * Requests under /s/ (pages, files, continue) per client address and minute, so a link is no way
 * to scrape the instance, counted by address group (an IPv6 address by its /64:
 * lib/http/client-address.ts). One statement counts and reads the count, so concurrent requests on
 * any number of app instances cannot all slip under the limit. Requests without a known address
 * share one count ("unknown").
 */
export function createShareViewLimiter(db: AppDatabase = defaultDb, perMinute = readShareViewLimit()) {
  // A row per address seen: past minutes' rows only wait for their address to come back, so they go.
  const prune = atMostEvery(
    600_000,
    () =>
      db.execute(
        sql`delete from ${shareViewUsage} where window_start < date_trunc('minute', now()) - interval '1 minute'`,
      ),
    "share links: could not prune the view counts",
  );

  /** null: allowed; otherwise the seconds until the address may try again. */
  return async function consumeShareView(address: string | null): Promise<{ retryAfter: number } | null> {
    const [row] = await queryRows<{ count: number; retry_after: number }>(
      db,
      sql`
      insert into ${shareViewUsage} (address, window_start, count)
      values (${address ? addressGroupOf(address) : "unknown"}, date_trunc('minute', now()), 1)
      on conflict (address) do update set
        count = case when ${shareViewUsage.windowStart} = excluded.window_start then ${shareViewUsage.count} + 1 else 1 end,
        window_start = excluded.window_start
      returning count, ceil(extract(epoch from (window_start + interval '1 minute') - now()))::int as retry_after`,
    );
    prune();
    if (row.count <= perMinute) return null;
    return { retryAfter: Math.max(1, Math.min(row.retry_after, 60)) };
  };
}

export const consumeShareView = createShareViewLimiter();
