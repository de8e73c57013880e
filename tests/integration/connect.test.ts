import { sql } from "drizzle-orm";
import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { connectPostgres } from "@/db/connect";
import { connectFromEnv } from "@/lib/db/database";
import { migratePostgres } from "../support/migrate";
import { createDatabase } from "../support/postgres";

describe("connecting from the environment", () => {
  it("opens at most DATABASE_POOL_MAX connections to PostgreSQL", async () => {
    const url = inject("postgresUrl");
    const marker = `pool_${Date.now()}`;
    const handle = connectFromEnv({ DATABASE_URL: url, DATABASE_POOL_MAX: "2" });
    const observer = new pg.Client({ connectionString: url });
    await observer.connect();
    try {
      // Drizzle queries run when awaited; Promise.resolve starts them now.
      const sleeping = Array.from({ length: 5 }, () =>
        Promise.resolve(handle.db.execute(sql.raw(`select pg_sleep(0.4), '${marker}'`))),
      );
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
      expect(() => connectFromEnv({ DATABASE_URL: "postgres://localhost/none", DATABASE_POOL_MAX: bad })).toThrow(
        /DATABASE_POOL_MAX must be a positive whole number/,
      );
    }
  });

  it("is not ready on a database without the newest migration (say, an upgrade without db:migrate) until it is applied", async () => {
    const url = await createDatabase(inject("postgresUrl"), `upgrade_${process.pid}_${Date.now()}`);
    const handle = connectPostgres(url, { max: 1 });
    try {
      await expect(handle.ready()).rejects.toMatchObject({
        name: "DatabaseNotMigratedError",
        message: /npm run db:migrate/,
      });
      await migratePostgres(url);
      // As if the database's newest applied migration were older than the one this version ships.
      const newest = sql`(select max(created_at) from drizzle.__drizzle_migrations)`;
      await handle.db.execute(
        sql`update drizzle.__drizzle_migrations set created_at = created_at - 1 where created_at = ${newest}`,
      );
      await expect(handle.ready()).rejects.toMatchObject({ name: "DatabaseNotMigratedError" });
      await handle.db.execute(
        sql`update drizzle.__drizzle_migrations set created_at = created_at + 1 where created_at = ${newest}`,
      );
      await expect(handle.ready()).resolves.toBeUndefined();
    } finally {
      await handle.close();
    }
  });
});
