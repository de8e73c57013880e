import type { SQL } from "drizzle-orm";
import type { AppDatabase } from "@/db/connect";

/**
 * The rows of a raw statement (`sql\`…\``). AppDatabase is typed for both of its drivers at once,
 * so drizzle types a raw `execute`'s answer as unknown; node-postgres (QueryResult) and PGlite
 * (Results) both carry the rows in `rows`. `Row` is the caller's word for what the statement
 * selects, with PostgreSQL's names and types as the driver returns them: nothing checks it.
 */
export async function queryRows<Row>(db: Pick<AppDatabase, "execute">, query: SQL): Promise<Row[]> {
  const result = (await db.execute(query)) as { rows: Row[] };
  return result.rows;
}
