import { desc, sql, type Placeholder, type SQL, type SQLWrapper } from "drizzle-orm";

/**
 * Keyset pagination, newest first, on a time and an id (the id orders rows of the same time):
 * every page is one index range scan however deep, and rows written meanwhile neither repeat nor
 * go missing. A page ends at its last row's time and id, handed to the client as an opaque cursor.
 * The time stays the string the database sent, so no precision is lost.
 */
export const encodeKeysetCursor = (at: string, id: string) =>
  Buffer.from(JSON.stringify([at, id])).toString("base64url");

export const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Undefined for anything that is not such a cursor with a valid time and an id matching `idPattern`. */
export function decodeKeysetCursor(
  value: string | undefined,
  idPattern: RegExp,
): { at: string; id: string } | undefined {
  try {
    const [at, id] = JSON.parse(Buffer.from(value ?? "", "base64url").toString("utf8")) as unknown[];
    if (typeof at !== "string" || Number.isNaN(Date.parse(at)) || typeof id !== "string" || !idPattern.test(id))
      return undefined;
    return { at, id };
  } catch {
    return undefined;
  }
}

/** Where a page starts: a decoded cursor's time and id, or the placeholders of a prepared statement. */
export type KeysetPosition = { at: string | Placeholder; id: string | Placeholder };

/** The pieces of a keyset-paginated query ordered by `at` (a timestamptz) and then `id`, both descending. */
export function keyset(at: SQLWrapper, id: SQLWrapper) {
  return {
    /** For drizzle's `.orderBy(...)`, or `order by ${sql.join(orderBy, sql`, `)}` in raw SQL. */
    orderBy: [desc(at), desc(id)],
    /** The rows after `position` in that order (one row comparison, which the (at, id) index serves); undefined on the first page. */
    after: (position: KeysetPosition | undefined): SQL | undefined =>
      position && sql`(${at}, ${id}) < (${position.at}::timestamptz, ${position.id})`,
    /** One row more than a page: whether it comes tells whether there is a next page, without counting. */
    limit: (pageSize: number) => pageSize + 1,
    /** The page out of the rows a `limit(pageSize)` query returned, and the cursor to the next page (null on the last). */
    page<Row>(
      rows: Row[],
      pageSize: number,
      positionOf: (row: Row) => { at: string; id: string },
    ): { rows: Row[]; nextCursor: string | null } {
      const page = rows.slice(0, pageSize);
      const last = rows.length > pageSize ? page.at(-1) : undefined;
      const position = last === undefined ? undefined : positionOf(last);
      return { rows: page, nextCursor: position ? encodeKeysetCursor(position.at, position.id) : null };
    },
  };
}
