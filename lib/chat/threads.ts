import "server-only";
import type { UIMessage } from "ai";
import { and, asc, desc, eq, isNull, sql } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import {
  attachment,
  message,
  messageSearchVector,
  thread,
  threadStatuses as schemaThreadStatuses,
  type Message,
  type Thread,
  type ThreadStatus,
} from "@/db/schema";
import { ApiError } from "@/lib/http/errors";
import { attachmentStorage, type AttachmentStorage } from "@/lib/attachments/storage";
import { attachmentIdsOf, claimAttachments } from "@/lib/attachments/attachments";
import { textParts } from "@/lib/shared/chat-messages";
import { threadStatuses as wireThreadStatuses, type ThreadJson } from "@/lib/shared/threads";
import { logger } from "@/lib/observability/logger";
import { decodeKeysetCursor, encodeKeysetCursor, keyset, uuidPattern } from "@/lib/db/keyset-cursor";
import { queryRows } from "@/lib/db/rows";

/**
 * The states a thread can be in (active, archived), for routes that validate one: the schema's
 * list, which must be exactly the browser's (lib/shared/threads.ts).
 */
export const threadStatuses = schemaThreadStatuses satisfies typeof wireThreadStatuses;

/**
 * Every thread and message query of the app. Each function takes the owner's user id first and
 * puts it in the same statement that reads or writes, so a thread of someone else behaves
 * exactly like one that does not exist.
 */

export type ThreadSummary = Pick<
  Thread,
  "id" | "title" | "status" | "model" | "createdAt" | "updatedAt" | "lastMessageAt"
>;
export type ExportedThread = ThreadSummary & {
  messages: Pick<Message, "id" | "parentId" | "role" | "content" | "status" | "createdAt">[];
};
export type MessageInput = Pick<Message, "id" | "parentId" | "role" | "format" | "content" | "status">;

/** A parent that is not an earlier message of the same thread (see saveMessageForUser). */
export class InvalidParentError extends ApiError {
  constructor() {
    super("bad_request", "Invalid request: parentId must name an earlier message of this thread.");
  }
}

const summaryColumns = {
  id: thread.id,
  title: thread.title,
  status: thread.status,
  model: thread.model,
  createdAt: thread.createdAt,
  updatedAt: thread.updatedAt,
  lastMessageAt: thread.lastMessageAt,
};

/**
 * A thread as the API sends it (the browser's ThreadJson: a column whose type the browser does not
 * expect fails here). Dates become ISO strings here, before JSON.stringify: calling Date#toJSON
 * from inside the serializer made a 50-thread page about 9× slower to stringify.
 */
export function threadJson(t: ThreadSummary): ThreadJson {
  return {
    ...t,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    lastMessageAt: t.lastMessageAt?.toISOString() ?? null,
  };
}

type Cursor = { updatedAt: Date; id: string };

// The sidebar's order: newest activity first.
const byActivity = keyset(thread.updatedAt, thread.id);

export const encodeCursor = (row: Cursor): string => encodeKeysetCursor(row.updatedAt.toISOString(), row.id);

/** Undefined for anything that is not a cursor this module made. */
export function decodeCursor(value: string): Cursor | undefined {
  const cursor = decodeKeysetCursor(value, uuidPattern);
  return cursor && { updatedAt: new Date(cursor.at), id: cursor.id };
}

/** Marks around the matched words in a search snippet: control characters, never HTML. */
export const matchStart = "\u0001";
export const matchEnd = "\u0002";

export type SearchResult = Pick<Thread, "id" | "title" | "status" | "updatedAt"> & { snippet: string };

/** Words of the search box as a prefix query ("gard plan" finds "garden planning"); null if none. */
export function toPrefixQuery(text: string): string | null {
  const words =
    text
      .normalize("NFKC")
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu)
      ?.slice(0, 8) ?? [];
  return words.length ? words.map((w) => `${w}:*`).join(" & ") : null;
}

export function createThreadStore(db: AppDatabase = defaultDb, storage: () => AttachmentStorage = attachmentStorage) {
  // The sidebar's query, prepared once: drizzle builds its SQL once, and PostgreSQL parses and
  // plans it once per connection (named statements), instead of on every page of every user.
  const listQuery = (deep: boolean) =>
    db
      .select(summaryColumns)
      .from(thread)
      .where(
        and(
          eq(thread.userId, sql.placeholder("userId")),
          eq(thread.status, sql.placeholder("status")),
          deep ? byActivity.after({ at: sql.placeholder("afterAt"), id: sql.placeholder("afterId") }) : undefined,
        ),
      )
      .orderBy(...byActivity.orderBy)
      .limit(sql.placeholder("limit"))
      .prepare(deep ? "list_threads_after" : "list_threads_first");
  let prepared: { first: ReturnType<typeof listQuery>; after: ReturnType<typeof listQuery> } | undefined;

  async function listThreadsForUser(
    userId: string,
    options: { status: ThreadStatus; limit: number; after?: Cursor },
  ): Promise<{ threads: ThreadSummary[]; nextCursor: string | null }> {
    const { status, limit, after } = options;
    prepared ??= { first: listQuery(false), after: listQuery(true) };
    // Keyset pagination on (updated_at, id): every page is one index range scan, however deep.
    const rows = after
      ? await prepared.after.execute({
          userId,
          status,
          limit: byActivity.limit(limit),
          afterAt: after.updatedAt.toISOString(),
          afterId: after.id,
        })
      : await prepared.first.execute({ userId, status, limit: byActivity.limit(limit) });
    const page = byActivity.page(rows, limit, (t) => ({ at: t.updatedAt.toISOString(), id: t.id }));
    return { threads: page.rows, nextCursor: page.nextCursor };
  }

  async function createThreadForUser(
    userId: string,
    values: { title?: string | null; model?: string | null } = {},
  ): Promise<ThreadSummary> {
    const [row] = await db
      .insert(thread)
      .values({ userId, title: values.title ?? null, model: values.model ?? null })
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
    values: { title?: string; status?: ThreadStatus; model?: string },
  ): Promise<ThreadSummary | null> {
    const [row] = await db
      .update(thread)
      .set({ ...values, updatedAt: new Date() })
      .where(and(eq(thread.id, threadId), eq(thread.userId, userId)))
      .returning(summaryColumns);
    return row ?? null;
  }

  /**
   * Deletes the thread and, by cascade, its messages and their attachments; then the attachments'
   * files. False when there was no such thread of this user. The thread row is locked before the
   * attachments are listed, so one being sent into the thread at that moment is either listed or
   * refused.
   */
  async function deleteThreadForUser(userId: string, threadId: string): Promise<boolean> {
    const files = await db.transaction(async (tx) => {
      const [owned] = await tx
        .select({ id: thread.id })
        .from(thread)
        .where(and(eq(thread.id, threadId), eq(thread.userId, userId)))
        .for("update");
      if (!owned) return null;
      const ids = await tx
        .select({ id: attachment.id })
        .from(attachment)
        .where(and(eq(attachment.threadId, threadId), eq(attachment.userId, userId)));
      await tx.delete(thread).where(eq(thread.id, threadId));
      return ids.map((row) => row.id);
    });
    if (files === null) return false;
    if (files.length > 0) {
      await storage()
        .remove(userId, files)
        .catch((error: unknown) =>
          logger.error(
            { err: error, threadId, files: files.length },
            "could not remove a deleted thread's attachment files",
          ),
        );
    }
    return true;
  }

  /**
   * What a generated title is made from: the thread's title and the text of its first stored user
   * message (null while there is none). Null when the thread is not the user's.
   */
  async function titleSourceForUser(
    userId: string,
    threadId: string,
  ): Promise<{ title: string | null; firstText: string | null } | null> {
    const rows = await db
      .select({ title: thread.title, content: message.content })
      .from(thread)
      .leftJoin(message, and(eq(message.threadId, thread.id), eq(message.role, "user")))
      .where(and(eq(thread.id, threadId), eq(thread.userId, userId)))
      .orderBy(asc(message.createdAt))
      .limit(1);
    if (rows.length === 0) return null;
    return { title: rows[0].title, firstText: rows[0].content === null ? null : textParts(rows[0].content).join("\n") };
  }

  /**
   * A thread gets one generated title: true for the one caller that finds it still untitled (it
   * is marked `placeholder` at once, so concurrent callers find it titled and call no model).
   */
  async function claimTitleForUser(userId: string, threadId: string, placeholder: string): Promise<boolean> {
    const claimed = await db
      .update(thread)
      .set({ title: placeholder })
      .where(and(eq(thread.id, threadId), eq(thread.userId, userId), isNull(thread.title)))
      .returning({ id: thread.id });
    return claimed.length > 0;
  }

  /** Undoes a claim whose model call was refused (rate limit, quota), so a later request may title the thread. */
  async function releaseTitleForUser(userId: string, threadId: string, placeholder: string): Promise<void> {
    await db
      .update(thread)
      .set({ title: null })
      .where(and(eq(thread.id, threadId), eq(thread.userId, userId), eq(thread.title, placeholder)));
  }

  /**
   * The thread's messages as the API's JSON body. The stored jsonb leaves PostgreSQL as text and
   * goes into the body as is, never parsed into objects and serialised again; the body is joined
   * here rather than by json_agg, which cost PostgreSQL about 1.5-2x the time for 500 messages
   * (bench/README.md). Null when the thread is not the user's.
   */
  async function messagesJsonForUser(userId: string, threadId: string): Promise<string | null> {
    const rows = await queryRows<{
      id: string | null;
      parent_id: string | null;
      format: string;
      content: string;
      status: string;
      created_at: string;
    }>(
      db,
      sql`
      select m.id, m.parent_id, m.format, m.content::text as content, m.status,
             to_json(m.created_at)::text as created_at
      from ${thread} t left join ${message} m on m.thread_id = t.id
      where t.id = ${threadId} and t.user_id = ${userId}
      order by m.created_at`,
    );
    if (rows.length === 0) return null;
    const text = JSON.stringify;
    const items = rows.flatMap((m) =>
      m.id === null
        ? []
        : [
            `{"id":${text(m.id)},"parentId":${text(m.parent_id)},"format":${text(m.format)},"content":${m.content},` +
              `"status":${text(m.status)},"createdAt":${m.created_at}}`,
          ],
    );
    return `{"messages":[${items.join(",")}]}`;
  }

  /**
   * Writes a message into one of the user's threads and marks it active, in one statement. The
   * thread update is the ownership check and locks the row, so a concurrent delete cannot slip
   * between check and insert. `onConflict: "keep"` never changes a stored message (the server's
   * own writes); `"replace"` lets the client's settled copy win (e.g. after Stop).
   *
   * The tree stays a tree by construction: a parent must be a message of the same thread written
   * before this one, and a stored message keeps its parent (a copy naming another is refused).
   * Every link then points at a message that existed when it was written, so no write can close
   * a loop, whatever order requests arrive in. Anything else is a
   * 400 (`InvalidParentError`) and nothing is written.
   *
   * Null when the thread is not the user's: nothing is written then. Otherwise the thread's
   * model, after storing `model` as its choice when one is given.
   */
  async function saveMessageForUser(
    userId: string,
    threadId: string,
    m: MessageInput,
    onConflict: "keep" | "replace",
    model?: string,
  ): Promise<{ model: string | null } | null> {
    const conflict =
      onConflict === "keep"
        ? sql`do nothing`
        : sql`do update set role = excluded.role, format = excluded.format, content = excluded.content, status = excluded.status`;
    // A stored message keeps its parent: a copy naming another one is refused, so a link, once
    // written, can only point at a message that was already there (no loop, whatever the clocks).
    const parentIsEarlier = sql`(${m.parentId}::text is null or exists (
      select 1 from ${message} p
      where p.thread_id = ${threadId} and p.id = ${m.parentId}
        and p.created_at < coalesce((select s.created_at from ${message} s where s.thread_id = ${threadId} and s.id = ${m.id}), 'infinity')))
      and not exists (select 1 from ${message} s where s.thread_id = ${threadId} and s.id = ${m.id} and s.parent_id is distinct from ${m.parentId}::text)`;
    const write = async (executor: AppDatabase) => {
      const [owned] = await queryRows<{ model: string | null }>(
        executor,
        sql`
        with owned as (
          update ${thread} set updated_at = now(), last_message_at = now(), model = coalesce(${model ?? null}::text, model)
          where id = ${threadId} and user_id = ${userId} and ${parentIsEarlier}
          returning id, model
        ), written as (
          insert into ${message} (thread_id, id, parent_id, role, format, content, status)
          select owned.id, ${m.id}, ${m.parentId}, ${m.role}, ${m.format}, ${JSON.stringify(m.content)}::jsonb, ${m.status}
          from owned
          on conflict (thread_id, id) ${conflict}
          returning 1
        )
        select model from owned`,
      );
      if (owned) return owned;
      // Written nothing: either not the user's thread (null, a 404) or a parent it may not have.
      if (await getThreadForUser(userId, threadId)) throw new InvalidParentError();
      return null;
    };
    // Only a user's message carries uploads; a reply's file parts are the model's own output.
    const files = m.role === "user" ? attachmentIdsOf(m.content as Pick<UIMessage, "parts">) : [];
    if (files.length === 0) return write(db);
    // A message with attachments: the message and the claim on its uploads stand or fall together.
    return db.transaction(async (tx) => {
      const saved = await write(tx);
      if (saved) await claimAttachments(tx, userId, threadId, m.id, files);
      return saved;
    });
  }

  /**
   * Threads with their messages, for export: one thread (`threadId`) or all of them. Two
   * queries whatever the number of threads; both filtered by the owner.
   */
  async function exportThreadsForUser(userId: string, threadId?: string): Promise<ExportedThread[]> {
    const owned = await db
      .select(summaryColumns)
      .from(thread)
      .where(and(eq(thread.userId, userId), threadId ? eq(thread.id, threadId) : undefined))
      .orderBy(desc(thread.updatedAt));
    if (owned.length === 0) return [];
    const rows = await db
      .select({
        threadId: message.threadId,
        message: {
          id: message.id,
          parentId: message.parentId,
          role: message.role,
          content: message.content,
          status: message.status,
          createdAt: message.createdAt,
        },
      })
      .from(message)
      .innerJoin(thread, eq(thread.id, message.threadId))
      .where(and(eq(thread.userId, userId), threadId ? eq(thread.id, threadId) : undefined))
      .orderBy(asc(message.createdAt));
    const byThread = Map.groupBy(rows, (r) => r.threadId);
    return owned.map((t) => ({ ...t, messages: (byThread.get(t.id) ?? []).map((r) => r.message) }));
  }

  /**
   * The user's threads whose title or message text matches, most recently active first, each
   * with a snippet around the match (from the newest matching message, else the title).
   */
  async function searchThreadsForUser(userId: string, text: string, limit = 20): Promise<SearchResult[]> {
    const query = toPrefixQuery(text);
    if (!query) return [];
    const messageText = sql`(select string_agg(x #>> '{}', ' ') from jsonb_array_elements(jsonb_path_query_array(m.content, '$.parts[*] ? (@.type == "text").text')) x)`;
    const options = `StartSel=${matchStart}, StopSel=${matchEnd}, MaxWords=24, MinWords=8, MaxFragments=1`;
    const rows = await queryRows<SearchResult>(
      db,
      sql`
      with query as (select to_tsquery('simple', ${query}) as q),
      hits as (
        select t.id as thread_id, null::text as message_id
        from ${thread} t, query
        where t.user_id = ${userId} and to_tsvector('simple', coalesce(t.title, '')) @@ query.q
        union all
        (select distinct on (m.thread_id) m.thread_id, m.id
         from ${message} m join ${thread} t on t.id = m.thread_id, query
         where t.user_id = ${userId} and ${messageSearchVector(sql`m.content`)} @@ query.q
         order by m.thread_id, m.created_at desc)
      ),
      best as (select distinct on (thread_id) thread_id, message_id from hits order by thread_id, message_id nulls last)
      select t.id, t.title, t.status, t.updated_at as "updatedAt",
             ts_headline('simple', coalesce(${messageText}, t.title, ''), query.q, ${options}) as snippet
      from best join ${thread} t on t.id = best.thread_id
      left join ${message} m on m.thread_id = best.thread_id and m.id = best.message_id, query
      order by t.updated_at desc, t.id desc
      limit ${limit}`,
    );
    return rows.map((r) => ({ ...r, updatedAt: new Date(r.updatedAt) }));
  }

  return {
    searchThreadsForUser,
    exportThreadsForUser,
    listThreadsForUser,
    createThreadForUser,
    getThreadForUser,
    updateThreadForUser,
    deleteThreadForUser,
    messagesJsonForUser,
    titleSourceForUser,
    claimTitleForUser,
    releaseTitleForUser,
    saveMessageForUser,
  };
}

export const threads = createThreadStore();
