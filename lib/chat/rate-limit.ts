import "server-only";
import { sql } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { queryRows } from "@/lib/db/rows";
import { chatUsage } from "@/db/schema";
import { ApiError } from "@/lib/http/errors";
import { positiveIntFromEnv, type Env } from "@/lib/config/env";

export function readChatRateLimits(env: Env = process.env) {
  return {
    perMinute: positiveIntFromEnv(env, "CHAT_RATE_LIMIT_PER_MINUTE", 20),
    perDay: positiveIntFromEnv(env, "CHAT_RATE_LIMIT_PER_DAY", 1000),
  };
}

const windowSeconds = { minute: 60, day: 86_400 } as const;

type UsageRow = { window: keyof typeof windowSeconds; count: number; retry_after: number };

/**
 * Counts one chat message against the user's minute and day windows in a single statement (so
 * concurrent requests on any number of app instances cannot both slip under the limit) and
 * throws 429 with Retry-After once either is exceeded.
 */
export function createChatRateLimiter(db: AppDatabase = defaultDb, limits = readChatRateLimits()) {
  return async function consumeChatMessage(userId: string): Promise<void> {
    const rows = await queryRows<UsageRow>(
      db,
      sql`
      insert into ${chatUsage} (user_id, "window", window_start, count)
      values (${userId}, 'minute', date_trunc('minute', now()), 1),
             (${userId}, 'day', date_trunc('day', now()), 1)
      on conflict (user_id, "window") do update set
        count = case when ${chatUsage.windowStart} = excluded.window_start then ${chatUsage.count} + 1 else 1 end,
        window_start = excluded.window_start
      returning "window", count,
        ceil(extract(epoch from (window_start + case "window" when 'minute' then interval '1 minute' else interval '1 day' end) - now()))::int as retry_after`,
    );
    for (const row of rows) {
      const limit = row.window === "minute" ? limits.perMinute : limits.perDay;
      if (row.count > limit) {
        const retryAfter = Math.max(1, Math.min(row.retry_after, windowSeconds[row.window]));
        throw new ApiError(
          "rate_limited",
          `You can send ${limit} messages per ${row.window}. Try again in ${retryAfter} seconds.`,
          { "Retry-After": String(retryAfter) },
        );
      }
    }
  };
}

export const consumeChatMessage = createChatRateLimiter();
