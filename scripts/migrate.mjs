// Applies drizzle/ to the PostgreSQL database at DATABASE_URL, then exits: what `npm run db:migrate`
// does, without drizzle-kit or the source tree. `npm run build` copies it, with the few modules it
// loads, into .next/standalone as `migrate.mjs` (the container image's migration command).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";

const url = process.env.DATABASE_URL;
if (!url) {
  console.error("DATABASE_URL is not set: name the PostgreSQL database to migrate. (PGlite migrates itself.)");
  process.exit(1);
}
// Next to this file: drizzle/ in the standalone folder, or the repository root for scripts/.
const here = path.dirname(fileURLToPath(import.meta.url));
const migrationsFolder = path.join(path.basename(here) === "scripts" ? path.dirname(here) : here, "drizzle");

const pool = new pg.Pool({ connectionString: url, max: 1 });
const started = Date.now();

/**
 * Started next to its database (compose, an init container), the command may run before the server
 * accepts connections: it waits up to MIGRATE_WAIT_S seconds (default 60) for one, then gives up.
 */
async function waitForDatabase() {
  const deadline = Date.now() + Number(process.env.MIGRATE_WAIT_S ?? 60) * 1000;
  for (let told = false; ;) {
    try {
      await pool.query("select 1");
      return;
    } catch (error) {
      // Not up yet (refused, not resolvable yet, starting up); anything else (a wrong password) fails at once.
      const waitable = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET", "ETIMEDOUT", "57P03"];
      if (!waitable.includes(error?.code) || Date.now() > deadline) throw error;
      if (!told) console.log(`migrate: waiting for the database (${error instanceof Error ? error.message : error})`);
      told = true;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

try {
  await waitForDatabase();
  await migrate(drizzle({ client: pool }), { migrationsFolder });
  const { rows } = await pool.query("select count(*)::int as n from drizzle.__drizzle_migrations");
  console.log(`migrate: ${rows[0].n} migrations applied in all, up to date (${Date.now() - started} ms)`);
} catch (error) {
  console.error(`migrate: failed: ${error instanceof Error ? error.message : error}`);
  process.exitCode = 1;
} finally {
  await pool.end();
}
