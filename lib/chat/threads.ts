import "server-only";
import { randomUUID } from "node:crypto";
import type { UIMessage } from "ai";
import { and, asc, desc, eq, isNotNull, isNull, sql, type Placeholder, type SQLWrapper } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import {
  attachment,
  message,
  project,
  messageSearchVector,
  shareFile,
  shareLink,
  thread,
  threadStatuses as schemaThreadStatuses,
  user,
  workspaceMember,
  type Message,
  type Thread,
  type ThreadStatus,
} from "@/db/schema";
import { ApiError, notFound } from "@/lib/http/errors";
import { attachmentStorage, type AttachmentStorage } from "@/lib/attachments/storage";
import { attachmentIdsOf, claimAttachments } from "@/lib/attachments/attachments";
import { attachmentIdOf, attachmentUrl, newestPartOfThread, textParts } from "@/lib/shared/chat-messages";
import { limits } from "@/lib/http/limits";
import { threadStatuses as wireThreadStatuses, type ThreadJson } from "@/lib/shared/threads";
import { logger } from "@/lib/observability/logger";
import { decodeKeysetCursor, encodeKeysetCursor, keyset, uuidPattern } from "@/lib/db/keyset-cursor";
import { queryRows } from "@/lib/db/rows";
import { maxBranchDepth, sharedBranch, visibleTo } from "@/lib/chat/visibility";
import { usableProject } from "@/lib/projects/access";

export { visibleTo };

/**
 * The states a thread can be in (active, archived), for routes that validate one: the schema's
 * list, which must be exactly the browser's (lib/shared/threads.ts).
 */
export const threadStatuses = schemaThreadStatuses satisfies typeof wireThreadStatuses;

/**
 * Every thread and message query of the app. Each function takes the caller's user id first and
 * puts it in the same statement that reads or writes, so a thread the caller may not see behaves
 * exactly like one that does not exist.
 *
 * Who sees a thread (`visibleTo`): its author; and, while the author shares it, the members of
 * its workspace, as long as the author is still one of them. Nobody else, whatever their role
 * in the workspace or on the instance. Only the author writes (every write keeps `user_id = the
 * caller`): to anyone else a write finds no thread, a 404.
 */

export type ThreadSummary = Pick<
  Thread,
  | "id"
  | "title"
  | "status"
  | "model"
  | "createdAt"
  | "updatedAt"
  | "lastMessageAt"
  | "workspaceId"
  | "sharedAt"
  | "projectId"
  | "pinnedAt"
>;
/** A thread as one caller sees it: theirs, or shared with them (with its author's name). */
export type ThreadView = ThreadSummary & { own: boolean; authorName: string | null };
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

export const summaryColumns = {
  id: thread.id,
  title: thread.title,
  status: thread.status,
  model: thread.model,
  createdAt: thread.createdAt,
  updatedAt: thread.updatedAt,
  lastMessageAt: thread.lastMessageAt,
  workspaceId: thread.workspaceId,
  sharedAt: thread.sharedAt,
  projectId: thread.projectId,
  pinnedAt: thread.pinnedAt,
};

/**
 * A thread as the API sends it (the browser's ThreadJson: a column whose type the browser does not
 * expect fails here). Dates become ISO strings here, before JSON.stringify: calling Date#toJSON
 * from inside the serializer made a 50-thread page about 9× slower to stringify.
 */
export function threadJson(t: ThreadSummary & { own?: boolean; authorName?: string | null }): ThreadJson {
  const { sharedAt, pinnedAt, own = true, authorName = null, ...rest } = t;
  return {
    ...rest,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
    lastMessageAt: t.lastMessageAt?.toISOString() ?? null,
    // The author's own arrangement of their list: a reader of a shared thread never sees it.
    pinnedAt: own ? (pinnedAt?.toISOString() ?? null) : null,
    shared: sharedAt !== null,
    own,
    authorName: own ? null : authorName,
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

/** `messageId`: the message the snippet comes from (null when it is the title), so opening the result can show it. */
export type SearchResult = Pick<Thread, "id" | "title" | "status" | "updatedAt"> & {
  snippet: string;
  messageId: string | null;
};

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

/** Thrown inside a copy's transaction when the source is no longer the caller's to copy. */
class SourceGone extends Error {}

export function createThreadStore(
  db: AppDatabase = defaultDb,
  storage: () => AttachmentStorage = attachmentStorage,
  copyLimits: { messages: number; bytes: number } = { messages: limits.maxCopyMessages, bytes: limits.maxCopyBytes },
  maxPinnedThreads: number = limits.maxPinnedThreads,
) {
  type SqlValue = SQLWrapper | Placeholder | string;
  /**
   * The project the caller may use (lib/projects: visible to them) and of this space (its
   * workspace is not distinct from `workspaceId`), with its row locked until the write commits,
   * so a deletion at that moment either waits or has already happened.
   */
  const projectUsableIn = (userId: string, projectId: string, workspaceId: SQLWrapper) =>
    sql`exists (select 1 from ${project} p where ${usableProject(userId, sql`${projectId}::uuid`, workspaceId)} for key share of p)`;

  const isMember = (userId: SqlValue, workspaceId: SqlValue) =>
    sql`exists (select 1 from ${workspaceMember} m where m.workspace_id = ${workspaceId} and m.user_id = ${userId})`;
  // For writes into a workspace: the membership row is locked until the write commits, so a
  // removal running at that moment either waits for it (and then moves the new thread out with
  // the others) or has already happened (and the write finds no membership).
  const isMemberLocked = (userId: SqlValue, workspaceId: SqlValue) =>
    sql`exists (select 1 from ${workspaceMember} m where m.workspace_id = ${workspaceId} and m.user_id = ${userId} for share)`;

  // One space of the caller's, for the prepared statements below: personal (`workspace_id is null`)
  // or the `workspaceId` placeholder, with the caller's membership checked in the statement.
  const ownSpace = (space: "personal" | "workspace") =>
    space === "personal"
      ? isNull(thread.workspaceId)
      : and(
          eq(thread.workspaceId, sql.placeholder("workspaceId")),
          isMember(sql.placeholder("userId"), sql.placeholder("workspaceId")),
        );

  // The sidebar's query, prepared once: drizzle builds its SQL once, and PostgreSQL parses and
  // plans it once per connection (named statements), instead of on every page of every user.
  // One statement per space (personal: `workspace_id is null`; a workspace: the caller's
  // membership checked in the statement) and per page (first or deeper).
  const listQuery = (space: "personal" | "workspace", deep: boolean) =>
    db
      .select(summaryColumns)
      .from(thread)
      .where(
        and(
          eq(thread.userId, sql.placeholder("userId")),
          ownSpace(space),
          eq(thread.status, sql.placeholder("status")),
          deep ? byActivity.after({ at: sql.placeholder("afterAt"), id: sql.placeholder("afterId") }) : undefined,
        ),
      )
      .orderBy(...byActivity.orderBy)
      .limit(sql.placeholder("limit"))
      .prepare(`list_threads_${space}_${deep ? "after" : "first"}`);
  type ListQuery = ReturnType<typeof listQuery>;
  const prepared = new Map<string, ListQuery>();
  const listStatement = (space: "personal" | "workspace", deep: boolean) => {
    const key = `${space}:${deep}`;
    let statement = prepared.get(key);
    if (!statement) prepared.set(key, (statement = listQuery(space, deep)));
    return statement;
  };

  /** The caller's own threads in one space: personal (`workspaceId` null) or a workspace they are a member of. */
  async function listThreadsForUser(
    userId: string,
    options: { status: ThreadStatus; limit: number; after?: Cursor; workspaceId?: string | null },
  ): Promise<{ threads: ThreadSummary[]; nextCursor: string | null }> {
    const { status, limit, after, workspaceId = null } = options;
    const statement = listStatement(workspaceId === null ? "personal" : "workspace", after !== undefined);
    // Keyset pagination on (updated_at, id): every page is one index range scan, however deep.
    const rows = await statement.execute({
      userId,
      workspaceId,
      status,
      limit: byActivity.limit(limit),
      ...(after && { afterAt: after.updatedAt.toISOString(), afterId: after.id }),
    });
    const page = byActivity.page(rows, limit, (t) => ({ at: t.updatedAt.toISOString(), id: t.id }));
    return { threads: page.rows, nextCursor: page.nextCursor };
  }

  // The "Pinned" section's query, prepared like the list's: one statement per space.
  const pinnedQuery = (space: "personal" | "workspace") =>
    db
      .select(summaryColumns)
      .from(thread)
      .where(
        and(
          eq(thread.userId, sql.placeholder("userId")),
          ownSpace(space),
          isNotNull(thread.pinnedAt),
          eq(thread.status, "regular"),
        ),
      )
      .orderBy(desc(thread.pinnedAt), desc(thread.id))
      .limit(sql.placeholder("limit"))
      .prepare(`list_pinned_threads_${space}`);
  const pinnedStatements = new Map<string, ReturnType<typeof pinnedQuery>>();

  /**
   * The caller's pinned threads in one space (personal: `workspaceId` null, or a workspace they
   * are a member of), the newest pin first: at most `limit`, no further pages (a person pins at
   * most MAX_PINNED_THREADS per space).
   */
  async function listPinnedThreadsForUser(
    userId: string,
    options: { limit: number; workspaceId?: string | null },
  ): Promise<ThreadSummary[]> {
    const { limit, workspaceId = null } = options;
    const space = workspaceId === null ? "personal" : "workspace";
    let statement = pinnedStatements.get(space);
    if (!statement) pinnedStatements.set(space, (statement = pinnedQuery(space)));
    return statement.execute({ userId, workspaceId, limit });
  }

  /**
   * The "Shared" section: threads other members share in this workspace (active ones), with their
   * authors' names, newest activity first. Empty unless the caller is a member.
   */
  async function listSharedThreadsForUser(
    userId: string,
    workspaceId: string,
    options: { limit: number; after?: Cursor },
  ): Promise<{ threads: ThreadView[]; nextCursor: string | null }> {
    const rows = await db
      .select({ ...summaryColumns, authorName: user.name })
      .from(thread)
      .innerJoin(user, eq(user.id, thread.userId))
      .where(
        and(
          eq(thread.workspaceId, workspaceId),
          eq(thread.status, "regular"),
          isNotNull(thread.sharedAt),
          sql`${thread.userId} <> ${userId}`,
          isMember(userId, workspaceId),
          isMember(thread.userId, workspaceId),
          options.after && byActivity.after({ at: options.after.updatedAt.toISOString(), id: options.after.id }),
        ),
      )
      .orderBy(...byActivity.orderBy)
      .limit(byActivity.limit(options.limit));
    const page = byActivity.page(rows, options.limit, (t) => ({ at: t.updatedAt.toISOString(), id: t.id }));
    return { threads: page.rows.map((t) => ({ ...t, own: false })), nextCursor: page.nextCursor };
  }

  /**
   * A new thread of the caller, in their personal space or in a workspace they are a member of,
   * and in a project when one is named: a project the caller may use, of that same space. Both are
   * checked in the same statement; a 404 when either fails ("Project not found." when a project
   * was named, since a workspace the caller has just left takes its projects with it).
   */
  async function createThreadForUser(
    userId: string,
    values: {
      title?: string | null;
      model?: string | null;
      workspaceId?: string | null;
      projectId?: string | null;
    } = {},
  ): Promise<ThreadSummary> {
    const workspaceId = values.workspaceId ?? null;
    const projectId = values.projectId ?? null;
    const rows = await queryRows<{ id: string }>(
      db,
      sql`insert into ${thread} (user_id, title, model, workspace_id, project_id)
          select ${userId}, ${values.title ?? null}, ${values.model ?? null}, ${workspaceId}::text, ${projectId}::uuid
          where (${workspaceId}::text is null or ${isMemberLocked(userId, sql`${workspaceId}::text`)})
            and ${projectId === null ? sql`true` : projectUsableIn(userId, projectId, sql`${workspaceId}::text`)}
          returning id`,
    );
    if (rows.length === 0) throw notFound(projectId === null ? "Workspace" : "Project");
    const [row] = await db.select(summaryColumns).from(thread).where(eq(thread.id, rows[0].id));
    return row;
  }

  /**
   * Moves the caller's own thread into a project (one they may use, of the thread's own space) or
   * out of any (`projectId` null), in one statement. Null when the thread is not the caller's
   * (readers of a shared thread included); "project" when the project is not one they may use
   * there. The thread's activity time stays: moving it is not a message.
   */
  async function setThreadProjectForUser(
    userId: string,
    threadId: string,
    projectId: string | null,
  ): Promise<ThreadSummary | "project" | null> {
    const rows = await db
      .update(thread)
      .set({ projectId })
      .where(
        and(
          eq(thread.id, threadId),
          eq(thread.userId, userId),
          projectId === null ? undefined : projectUsableIn(userId, projectId, sql`${thread.workspaceId}`),
        ),
      )
      .returning(summaryColumns);
    if (rows[0]) return rows[0];
    return (await getOwnThreadForUser(userId, threadId)) ? "project" : null;
  }

  /** The thread as the caller sees it (theirs, or shared with them), or null exactly as for a missing one. */
  async function getThreadForUser(userId: string, threadId: string): Promise<ThreadView | null> {
    const [row] = await db
      .select({ ...summaryColumns, own: sql<boolean>`${thread.userId} = ${userId}`, authorName: user.name })
      .from(thread)
      .innerJoin(user, eq(user.id, thread.userId))
      .where(and(eq(thread.id, threadId), visibleTo(userId, sql`${thread}`)));
    return row ?? null;
  }

  /** The caller's own thread (the author's view, for writes and checks), or null. */
  async function getOwnThreadForUser(userId: string, threadId: string): Promise<ThreadSummary | null> {
    const [row] = await db
      .select(summaryColumns)
      .from(thread)
      .where(and(eq(thread.id, threadId), eq(thread.userId, userId)));
    return row ?? null;
  }

  /**
   * Shares the author's workspace thread with the workspace's members, or stops sharing it.
   * Null when it is not the caller's thread; "personal" for a thread outside any workspace (or a
   * workspace the author has left), which has nobody to share with. `changed` is false when it
   * already was as asked (the statement changes a row only from the other state, so of two
   * requests at once only one reports the change).
   */
  async function setSharedForUser(
    userId: string,
    threadId: string,
    shared: boolean,
  ): Promise<(ThreadSummary & { changed: boolean }) | "personal" | null> {
    const [row] = await db
      .update(thread)
      .set({ sharedAt: shared ? sql`now()` : null })
      .where(
        and(
          eq(thread.id, threadId),
          eq(thread.userId, userId),
          isNotNull(thread.workspaceId),
          shared ? and(isNull(thread.sharedAt), isMember(userId, thread.workspaceId)) : isNotNull(thread.sharedAt),
        ),
      )
      .returning(summaryColumns);
    if (row) return { ...row, changed: true };
    const own = await getOwnThreadForUser(userId, threadId);
    if (!own) return null;
    // Not changed: already as asked, or a thread with nobody to share it with.
    if (own.workspaceId === null || (shared && own.sharedAt === null)) return "personal";
    return { ...own, changed: false };
  }

  /**
   * "Continue as my own copy": a new private thread of the caller, in the source's workspace (or
   * personal space), holding the source's current branch (the newest message up to the first,
   * what a reader sees) with the same message ids, parents, order and times, and a copy of each
   * attachment of those messages, owned by the caller under a new id (the messages' file parts
   * rewritten to name it). The caller must see the source (its author, or a member it is shared
   * with) and be a member of its workspace; null otherwise, as for a missing thread.
   *
   * At most `copyLimits.messages` messages and `copyLimits.bytes` bytes (message JSON plus
   * files): a 413 before anything is written. Files are copied first (outside the transaction
   * when they live outside the database) and removed again if the transaction fails, so a failed
   * copy leaves nothing behind.
   */
  async function copySharedBranchForUser(userId: string, sourceThreadId: string): Promise<ThreadSummary | null> {
    const [source] = await queryRows<{ user_id: string; workspace_id: string | null }>(
      db,
      sql`select t.user_id, t.workspace_id from ${thread} t
          where t.id = ${sourceThreadId} and ${visibleTo(userId)}
            and (t.workspace_id is null or ${isMember(userId, sql`t.workspace_id`)})`,
    );
    if (!source) return null;
    const branch = await queryRows<{ id: string; bytes: string }>(
      db,
      sql`select m.id, octet_length(m.content::text) as bytes from ${message} m
          where m.thread_id = ${sourceThreadId} and m.id in ${sharedBranch(sourceThreadId)}`,
    );
    const files = await db
      .select({
        id: attachment.id,
        messageId: attachment.messageId,
        name: attachment.name,
        mediaType: attachment.mediaType,
        size: attachment.size,
        text: attachment.text,
      })
      .from(attachment)
      .where(
        and(
          eq(attachment.threadId, sourceThreadId),
          eq(attachment.userId, source.user_id),
          isNotNull(attachment.storedAt),
          sql`${attachment.messageId} in ${sharedBranch(sourceThreadId)}`,
        ),
      );
    const bytes =
      branch.reduce((sum, m) => sum + Number(m.bytes), 0) +
      files.reduce((sum, f) => sum + f.size + Buffer.byteLength(f.text ?? ""), 0);
    if (branch.length > copyLimits.messages || bytes > copyLimits.bytes) {
      throw new ApiError(
        "payload_too_large",
        `This thread is too large to copy: ${branch.length} messages and ${bytes} bytes of messages and attachments; a copy may have at most ${copyLimits.messages} messages and ${copyLimits.bytes} bytes.`,
      );
    }

    const store = storage();
    // The database's copies are rows written in the transaction; the other stores' are files written before it.
    const inDatabase = store.kind === "database";
    const copies = files.map((f) => ({ ...f, newId: randomUUID() }));
    const removeCopies = async (written: typeof copies) => {
      if (inDatabase || written.length === 0) return;
      await store
        .remove(
          userId,
          written.map((c) => c.newId),
        )
        .catch((error: unknown) =>
          logger.error({ err: error, files: written.length }, "could not remove the files of a failed thread copy"),
        );
    };
    if (!inDatabase) {
      const written: typeof copies = [];
      try {
        for (const c of copies) {
          await store.copy({ userId: source.user_id, id: c.id }, { userId, id: c.newId });
          written.push(c);
        }
      } catch (error) {
        await removeCopies(written);
        throw error;
      }
    }

    try {
      return await db.transaction(async (tx) => {
        // Checked again with the write: the author may have stopped sharing, or the caller left, meanwhile.
        const [created] = await queryRows<{ id: string }>(
          tx,
          sql`insert into ${thread} (user_id, title, model, workspace_id, last_message_at)
              select ${userId}, t.title, t.model, t.workspace_id, ${branch.length > 0 ? sql`now()` : sql`null`}
              from ${thread} t
              where t.id = ${sourceThreadId} and ${visibleTo(userId)}
                and (t.workspace_id is null or ${isMemberLocked(userId, sql`t.workspace_id`)})
              returning id`,
        );
        if (!created) throw new SourceGone();
        const threadId = created.id;
        if (branch.length > 0) {
          const ids = sql.join(
            branch.map((m) => sql`${m.id}`),
            sql`, `,
          );
          await tx.execute(sql`
            insert into ${message} (thread_id, id, parent_id, role, format, content, status, created_at, model)
            select ${threadId}, m.id, m.parent_id, m.role, m.format, m.content, m.status, m.created_at, m.model
            from ${message} m where m.thread_id = ${sourceThreadId} and m.id in (${ids})`);
        }
        if (copies.length > 0) {
          await tx.insert(attachment).values(
            copies.map((c) => ({
              id: c.newId,
              userId,
              threadId,
              messageId: c.messageId,
              name: c.name,
              mediaType: c.mediaType,
              size: c.size,
              text: c.text,
              storedAt: new Date(),
            })),
          );
          if (inDatabase)
            for (const c of copies) await store.copy({ userId: source.user_id, id: c.id }, { userId, id: c.newId }, tx);
          await renameFileParts(tx, threadId, new Map(copies.map((c) => [c.id, c.newId])));
        }
        const [row] = await tx.select(summaryColumns).from(thread).where(eq(thread.id, threadId));
        return row;
      });
    } catch (error) {
      await removeCopies(copies);
      if (error instanceof SourceGone) return null;
      throw error;
    }
  }

  /** Points the file parts of a copied thread's messages at the copies of their attachments. */
  async function renameFileParts(tx: AppDatabase, threadId: string, renamed: Map<string, string>) {
    const rows = await tx
      .select({ id: message.id, content: message.content })
      .from(message)
      .where(
        and(
          eq(message.threadId, threadId),
          sql`exists (select 1 from ${attachment} a where a.thread_id = ${threadId} and a.message_id = ${message.id})`,
        ),
      );
    for (const row of rows) {
      const content = row.content as { parts?: { type?: string; url?: unknown }[] };
      const parts = (content.parts ?? []).map((part) => {
        const id = part.type === "file" ? attachmentIdOf(part.url) : undefined;
        const copy = id && renamed.get(id);
        return copy ? { ...part, url: attachmentUrl(copy) } : part;
      });
      await tx
        .update(message)
        .set({ content: { ...content, parts } })
        .where(and(eq(message.threadId, threadId), eq(message.id, row.id)));
    }
  }

  /**
   * Renames, archives or restores the caller's own thread, sets its model, and pins or unpins it,
   * in one statement; null when it is not theirs (readers of a shared thread included).
   *
   * A title, status or model is a change of the thread (it moves up the list); a pin is not: the
   * thread keeps its activity time, and unpinned goes back to where it was. Archiving unpins.
   * Pinning keeps an earlier pin's time, and is refused (409, nothing changed) for an archived
   * thread (unless the same request restores it) and past `maxPinnedThreads` pinned threads of
   * the caller in the thread's space, counted in the statement under a per-person lock, so pins
   * at the same moment cannot pass the limit together.
   */
  async function updateThreadForUser(
    userId: string,
    threadId: string,
    values: { title?: string; status?: ThreadStatus; model?: string; pinned?: boolean },
  ): Promise<ThreadSummary | null> {
    const { pinned, ...changes } = values;
    const changed = Object.values(changes).some((v) => v !== undefined);
    const pin = pinned === true && changes.status !== "archived";
    const pinnedAt =
      changes.status === "archived" || pinned === false
        ? null
        : pin
          ? sql`coalesce(${thread.pinnedAt}, now())`
          : undefined;
    const update = (executor: AppDatabase) =>
      executor
        .update(thread)
        // Without a change the activity time is written back as it was (drizzle's $onUpdate would move it).
        .set({ ...changes, pinnedAt, updatedAt: changed ? new Date() : sql`${thread.updatedAt}` })
        .where(
          and(
            eq(thread.id, threadId),
            eq(thread.userId, userId),
            pin && changes.status !== "regular" ? eq(thread.status, "regular") : undefined,
            pin
              ? sql`(${thread.pinnedAt} is not null or (
                  select count(*) from ${thread} p
                  where p.user_id = ${userId} and p.workspace_id is not distinct from ${thread.workspaceId}
                    and p.pinned_at is not null) < ${maxPinnedThreads})`
              : undefined,
          ),
        )
        .returning(summaryColumns);
    if (!pin) return (await update(db))[0] ?? null;
    return db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`thread-pins:${userId}`}))`);
      const [row] = await update(tx);
      if (row) return row;
      const [own] = await tx
        .select({ status: thread.status })
        .from(thread)
        .where(and(eq(thread.id, threadId), eq(thread.userId, userId)));
      if (!own) return null;
      if (own.status === "archived" && changes.status !== "regular")
        throw new ApiError("conflict", "An archived thread cannot be pinned: unarchive it first.");
      throw new ApiError(
        "conflict",
        `You have pinned ${maxPinnedThreads} threads here, the most there may be. Unpin a thread first.`,
      );
    });
  }

  /**
   * Deletes the thread and, by cascade, its messages and their attachments, and its share link
   * with its snapshot; then the files of both. False when there was no such thread of this user.
   * The thread row is locked before the files are listed, so one being sent into the thread, or
   * a snapshot being taken of it (lib/sharing/share-links.ts locks the same row), at that moment
   * is either listed or refused.
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
      // A snapshot's files are stored under its author's id too, like their attachments.
      const shared = await tx
        .select({ id: shareFile.id })
        .from(shareFile)
        .innerJoin(shareLink, eq(shareLink.id, shareFile.linkId))
        .where(and(eq(shareLink.threadId, threadId), eq(shareFile.userId, userId)));
      await tx.delete(thread).where(eq(thread.id, threadId));
      return [...ids, ...shared].map((row) => row.id);
    });
    if (files === null) return false;
    if (files.length > 0) {
      await storage()
        .remove(userId, files)
        .catch((error: unknown) =>
          logger.error(
            { err: error, threadId, files: files.length },
            "could not remove a deleted thread's attachment and share link files",
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
   * (bench/README.md). Null when the caller may not see the thread; a reader who is not its
   * author gets the shared branch only.
   */
  async function messagesJsonForUser(userId: string, threadId: string): Promise<string | null> {
    const rows = await storedMessageRows(userId, threadId);
    return rows && messagesBody(rows);
  }

  /**
   * What a thread's page hands its chat runtime: the body above cut to the newest part of a long
   * thread (`newestPartOfThread`), with where the part starts (`rootId`, `rootParentId`) and how many
   * older messages of the branch it leaves out (`hidden`). The page carries no more than the
   * runtime opens with.
   */
  async function openingMessagesJsonForUser(userId: string, threadId: string): Promise<string | null> {
    const rows = await storedMessageRows(userId, threadId);
    if (!rows) return null;
    const part = newestPartOfThread(rows);
    if (!part.rootId) return messagesBody(rows);
    return messagesBody(part.messages, { rootId: part.rootId, rootParentId: part.rootParentId, hidden: part.hidden });
  }

  type StoredMessageRow = {
    id: string;
    parentId: string | null;
    format: string;
    content: string;
    status: string;
    createdAt: string;
  };

  /** The rows of the two bodies above, oldest first; null when the caller may not see the thread. */
  async function storedMessageRows(userId: string, threadId: string): Promise<StoredMessageRow[] | null> {
    const rows = await queryRows<{
      id: string | null;
      parent_id: string | null;
      format: string;
      content: string;
      status: string;
      created_at: string;
    }>(
      db,
      // The author's rows, as before sharing existed; a reader's (another branch of one
      // statement, which never runs the walk for the author) are the shared branch's.
      sql`
      select m.id, m.parent_id, m.format, m.content::text as content, m.status,
             to_json(m.created_at)::text as created_at, m.created_at as sort_at
      from ${thread} t left join ${message} m on m.thread_id = t.id
      where t.id = ${threadId} and t.user_id = ${userId}
      union all
      select m.id, m.parent_id, m.format, m.content::text as content, m.status,
             to_json(m.created_at)::text as created_at, m.created_at as sort_at
      from ${thread} t left join ${message} m on m.thread_id = t.id and m.id in ${sharedBranch(threadId)}
      where t.id = ${threadId} and t.user_id <> ${userId} and ${visibleTo(userId)}
      order by sort_at`,
    );
    if (rows.length === 0) return null;
    return rows.flatMap((m) =>
      m.id === null
        ? []
        : [
            {
              id: m.id,
              parentId: m.parent_id,
              format: m.format,
              content: m.content,
              status: m.status,
              createdAt: m.created_at,
            },
          ],
    );
  }

  /** `content` and `createdAt` are JSON text already; `extra`'s fields follow the messages. */
  function messagesBody(rows: StoredMessageRow[], extra: Record<string, unknown> = {}): string {
    const text = JSON.stringify;
    const items = rows.map(
      (m) =>
        `{"id":${text(m.id)},"parentId":${text(m.parentId)},"format":${text(m.format)},"content":${m.content},` +
        `"status":${text(m.status)},"createdAt":${m.createdAt}}`,
    );
    const more = Object.entries(extra).map(([key, value]) => `,${text(key)}:${text(value)}`);
    return `{"messages":[${items.join(",")}]${more.join("")}}`;
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
        : // Tool calls and a project's sources are written by the server alone: a stored reply that
          // holds any keeps them, and the browser's copy (text only, see toUIMessage) does not replace it.
          sql`do update set role = excluded.role, format = excluded.format, content = excluded.content, status = excluded.status
              where not jsonb_path_exists(${message}.content, '$.parts[*] ? (@.type == "dynamic-tool" || @.type starts with "tool-" || @.type == "source-url" || @.type == "source-document")')`;
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
      if (await getOwnThreadForUser(userId, threadId)) throw new InvalidParentError();
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
   * Threads of the caller's space whose title or message text matches, most recently active
   * first, each with a snippet around the match (from the newest matching message, else the
   * title). The space is the personal one (`workspaceId` null) or a workspace: there, the
   * caller's own threads and those shared with them, whose text is searched on the shared branch
   * only, as they can read it.
   */
  async function searchThreadsForUser(
    userId: string,
    text: string,
    options: { limit?: number; workspaceId?: string | null } = {},
  ): Promise<SearchResult[]> {
    const { limit = 20, workspaceId = null } = options;
    const query = toPrefixQuery(text);
    if (!query) return [];
    const messageText = sql`(select string_agg(x #>> '{}', ' ') from jsonb_array_elements(jsonb_path_query_array(m.content, '$.parts[*] ? (@.type == "text").text')) x)`;
    const options_ = `StartSel=${matchStart}, StopSel=${matchEnd}, MaxWords=24, MinWords=8, MaxFragments=1`;
    // The caller's own threads of the space, written as the planner likes it (the message search
    // index, then the owner), and apart from it the threads others share with them there.
    const own =
      workspaceId === null
        ? sql`t.user_id = ${userId} and t.workspace_id is null`
        : sql`t.user_id = ${userId} and t.workspace_id = ${workspaceId} and ${isMember(userId, workspaceId)}`;
    const sharedWithCaller =
      workspaceId === null
        ? sql`false`
        : sql`t.workspace_id = ${workspaceId} and t.user_id <> ${userId} and t.shared_at is not null
              and t.status = 'regular' and ${isMember(userId, workspaceId)} and ${isMember(sql`t.user_id`, workspaceId)}`;
    const rows = await queryRows<SearchResult>(
      db,
      sql`
      with recursive query as (select to_tsquery('simple', ${query}) as q),
      shared as (select t.id from ${thread} t where ${sharedWithCaller}),
      heads as (
        select distinct on (m.thread_id) m.thread_id, m.id, m.parent_id
        from ${message} m join shared s on s.id = m.thread_id
        order by m.thread_id, m.created_at desc, m.id desc
      ),
      branch(thread_id, id, parent_id, depth) as (
        select thread_id, id, parent_id, 1 from heads
        union all
        -- One primary-key lookup per step: a join here may be planned as a scan of the whole
        -- message table per step, quadratic in the branch's length.
        select p.thread_id, p.id, p.parent_id, b.depth + 1
        from branch b cross join lateral (
          select m.thread_id, m.id, m.parent_id from ${message} m
          where m.thread_id = b.thread_id and m.id = b.parent_id limit 1
        ) p
        where b.depth < ${maxBranchDepth}
      ),
      hits as (
        select t.id as thread_id, null::text as message_id
        from ${thread} t, query
        where ${own} and to_tsvector('simple', coalesce(t.title, '')) @@ query.q
        union all
        select t.id, null::text
        from shared s join ${thread} t on t.id = s.id, query
        where to_tsvector('simple', coalesce(t.title, '')) @@ query.q
        union all
        (select distinct on (m.thread_id) m.thread_id, m.id
         from ${message} m join ${thread} t on t.id = m.thread_id, query
         where ${own} and ${messageSearchVector(sql`m.content`)} @@ query.q
         order by m.thread_id, m.created_at desc)
        union all
        (select distinct on (m.thread_id) m.thread_id, m.id
         from branch b join ${message} m on m.thread_id = b.thread_id and m.id = b.id, query
         where ${messageSearchVector(sql`m.content`)} @@ query.q
         order by m.thread_id, m.created_at desc)
      ),
      best as (select distinct on (thread_id) thread_id, message_id from hits order by thread_id, message_id nulls last)
      select t.id, t.title, t.status, t.updated_at as "updatedAt", m.id as "messageId",
             ts_headline('simple', coalesce(${messageText}, t.title, ''), query.q, ${options_}) as snippet
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
    listPinnedThreadsForUser,
    listSharedThreadsForUser,
    createThreadForUser,
    setThreadProjectForUser,
    getThreadForUser,
    getOwnThreadForUser,
    setSharedForUser,
    copySharedBranchForUser,
    updateThreadForUser,
    deleteThreadForUser,
    messagesJsonForUser,
    openingMessagesJsonForUser,
    titleSourceForUser,
    claimTitleForUser,
    releaseTitleForUser,
    saveMessageForUser,
  };
}

export const threads = createThreadStore();
