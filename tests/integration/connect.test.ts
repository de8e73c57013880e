import { sql } from "drizzle-orm";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { connectFromEnv } from "@/db/connect";

describe("connecting from the environment", () => {
  it("opens at most DATABASE_POOL_MAX connections to PostgreSQL", async () => {
    const url = inject("postgresUrl");
    const marker = `pool_${Date.now()}`;
    const handle = connectFromEnv({ DATABASE_URL: url, DATABASE_POOL_MAX: "2" });
    const observer = new pg.Client({ connectionString: url });
    await observer.connect();
    try {
      // Drizzle queries run when awaited; Promise.resolve starts them now.
      const sleeping = Array.from({ length: 5 }, () => Promise.resolve(handle.db.execute(sql.raw(`select pg_sleep(0.4), '${marker}'`))));
      await new Promise((r) => setTimeout(r, 200));
      const { rows } = await observer.query<{ n: number }>(
        "select count(*)::int as n from pg_stat_activity where state = 'active' and query like $1",
        [`%'${marker}'%`],
      );
      expect(rows[0].n).toBe(2);
      await Promise.all(sleeping);
    } finally {
      await observer.end();
      await handle.close();
    }
  });

  it("refuses a DATABASE_POOL_MAX that is not a positive whole number", () => {
    for (const bad of ["0", "-1", "2.5", "many"]) {
      expect(() => connectFromEnv({ DATABASE_URL: "postgres://localhost/none", DATABASE_POOL_MAX: bad })).toThrow(/DATABASE_POOL_MAX must be a positive whole number/);
    }
  });
});
