import { and, asc, desc, eq, sql } from "drizzle-orm";
import { db as defaultDb } from "@/db";
import type { AppDatabase } from "@/db/connect";
import { message, thread, type Message, type Thread, type ThreadStatus } from "@/db/schema";

/**
 * Every thread and message query of the app. Each function takes the owner's user id first and
 * puts it in the same statement that reads or writes, so a thread of someone else behaves
 * exactly like one that does not exist.
 */

export type ThreadSummary = Pick<Thread, "id" | "title" | "status" | "createdAt" | "updatedAt" | "lastMessageAt">;
export type StoredMessage = Pick<Message, "id" | "parentId" | "format" | "content" | "status" | "createdAt">;
export type MessageInput = Pick<Message, "id" | "parentId" | "role" | "format" | "content" | "status">;

const summaryColumns = {
  id: thread.id,
  title: thread.title,
  status: thread.status,
  createdAt: thread.createdAt,
  updatedAt: thread.updatedAt,
  lastMessageAt: thread.lastMessageAt,
};

type Cursor = { updatedAt: Date; id: string };

export function encodeCursor(row: Cursor): string {
  return Buffer.from(JSON.stringify([row.updatedAt.toISOString(), row.id])).toString("base64url");
}

/** Undefined for anything that is not a cursor this module made. */
export function decodeCursor(value: string): Cursor | undefined {
  try {
    const [iso, id] = JSON.parse(Buffer.from(value, "base64url").toString("utf8")) as unknown[];
    const updatedAt = new Date(String(iso));
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    if (typeof id !== "string" || !uuid.test(id) || Number.isNaN(updatedAt.getTime())) return undefined;
    return { updatedAt, id };
  } catch {
    return undefined;
  }
}

export function createThreadStore(db: AppDatabase = defaultDb) {
  async function listThreadsForUser(
    userId: string,
    options: { status: ThreadStatus; limit: number; after?: Cursor },
  ): Promise<{ threads: ThreadSummary[]; nextCursor: string | null }> {
    const { status, limit, after } = options;
    // Keyset pagination on (updated_at, id): every page is one index range scan, however deep.
    const rows = await db
      .select(summaryColumns)
      .from(thread)
      .where(
        and(
          eq(thread.userId, userId),
          eq(thread.status, status),
          after ? sql`(${thread.updatedAt}, ${thread.id}) < (${after.updatedAt.toISOString()}::timestamptz, ${after.id}::uuid)` : undefined,
        ),
      )
      .orderBy(desc(thread.updatedAt), desc(thread.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    return { threads: page, nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]) : null };
  }

  async function createThreadForUser(userId: string, values: { title?: string | null } = {}): Promise<ThreadSummary> {
    const [row] = await db
      .insert(thread)
      .values({ userId, title: values.title ?? null })
      .returning(summaryColumns);
    return row;
  }

  async function getThreadForUser(userId: string, threadId: string): Promise<ThreadSummary | null> {
    const [row] = await db
      .select(summaryColumns)
      .from(thread)
      .where(and(eq(thread.id, threadId), eq(thread.userId, userId)));
    return row ?? null;
  }

  async function updateThreadForUser(
    userId: string,
    threadId: string,
    values: { title?: string; status?: ThreadStatus },
  ): Promise<ThreadSummary | null> {
    const [row] = await db
      .update(thread)
      .set({ ...values, updatedAt: new Date() })
      .where(and(eq(thread.id, threadId), eq(thread.userId, userId)))
      .returning(summaryColumns);
    return row ?? null;
  }

  /** Deletes the thread and, by cascade, its messages. False when there was no such thread of this user. */
  async function deleteThreadForUser(userId: string, threadId: string): Promise<boolean> {
    const rows = await db
      .delete(thread)
      .where(and(eq(thread.id, threadId), eq(thread.userId, userId)))
      .returning({ id: thread.id });
    return rows.length > 0;
  }

  /** Every message of the thread, parents before children; null when the thread is not the user's. */
  async function listMessagesForUser(userId: string, threadId: string): Promise<StoredMessage[] | null> {
    // One round trip: the left join tells "no such thread" (no row) from "no messages" (one null row).
    const rows = await db
      .select({
        threadId: thread.id,
        id: message.id,
        parentId: message.parentId,
        format: message.format,
        content: message.content,
        status: message.status,
        createdAt: message.createdAt,
      })
      .from(thread)
      .leftJoin(message, eq(message.threadId, thread.id))
      .where(and(eq(thread.id, threadId), eq(thread.userId, userId)))
      .orderBy(asc(message.createdAt));
    if (rows.length === 0) return null;
    return rows.flatMap((r) =>
      r.id === null
        ? []
        : [{ id: r.id, parentId: r.parentId, format: r.format!, content: r.content, status: r.status!, createdAt: r.createdAt! }],
    );
  }

  /** The text of the first user message, for title generation; null when the thread is not the user's. */
  async function firstUserTextForUser(userId: string, threadId: string): Promise<string | null> {
    const messages = await listMessagesForUser(userId, threadId);
    if (messages === null) return null;
    const first = messages.find((m) => (m.content as { role?: string }).role === "user");
    const parts = (first?.content as { parts?: { type: string; text?: string }[] } | undefined)?.parts ?? [];
    return parts.flatMap((p) => (p.type === "text" && p.text ? [p.text] : [])).join("\n");
  }

  /**
   * Writes messages into one of the user's threads and marks it active, in one transaction.
   * The thread update is the ownership check and locks the row, so a concurrent delete cannot
   * slip between check and insert. `onConflict: "keep"` never changes a stored message (the
   * server's own writes); `"replace"` lets the client's settled copy win (e.g. after Stop).
   * False when the thread is not the user's: nothing is written then.
   */
  async function saveMessagesForUser(
    userId: string,
    threadId: string,
    messages: MessageInput[],
    onConflict: "keep" | "replace",
  ): Promise<boolean> {
    return db.transaction(async (tx) => {
      const now = new Date();
      const owned = await tx
        .update(thread)
        .set({ updatedAt: now, lastMessageAt: now })
        .where(and(eq(thread.id, threadId), eq(thread.userId, userId)))
        .returning({ id: thread.id });
      if (owned.length === 0) return false;
      for (const m of messages) {
        const insert = tx.insert(message).values({ ...m, threadId });
        await (onConflict === "keep"
          ? insert.onConflictDoNothing()
          : insert.onConflictDoUpdate({
              target: [message.threadId, message.id],
              set: { parentId: m.parentId, role: m.role, format: m.format, content: m.content, status: m.status },
            }));
      }
      return true;
    });
  }

  return {
    listThreadsForUser,
    createThreadForUser,
    getThreadForUser,
    updateThreadForUser,
    deleteThreadForUser,
    listMessagesForUser,
    firstUserTextForUser,
    saveMessagesForUser,
  };
}

export const threads = createThreadStore();
