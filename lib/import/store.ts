import "server-only";
import { sql } from "drizzle-orm";
import type { AppDatabase } from "@/db/connect";
import { conversationImport, message, thread } from "@/db/schema";
import { db as defaultDb } from "@/lib/db/database";
import { queryRows } from "@/lib/db/rows";
import { ApiError } from "@/lib/http/errors";
import { messageFormat } from "@/lib/shared/chat-messages";
import type { ImportedConversation } from "@/lib/import/conversation.mjs";

/** Thrown inside a batch's transaction when the import is no longer the one running for this person. */
export class ImportTakenOver extends Error {}

/**
 * The import's statements. Every one takes the importer's id first and writes only their rows:
 * imported threads are personal (no workspace, never shared) and carry the import's id, so a
 * failed import is undone by deleting exactly what it wrote.
 */
export function createImportStore(db: AppDatabase = defaultDb, staleAfterSeconds = 120) {
  /**
   * Starts the caller's import: its id, or 409 while another of theirs runs (on any instance).
   * An import whose heartbeat stopped belonged to an instance that died: what it wrote is
   * deleted and its place taken. Two requests at once: the row's unique user id lets one in.
   */
  async function beginForUser(userId: string): Promise<string> {
    return db.transaction(async (tx) => {
      const [created] = await queryRows<{ id: string }>(
        tx,
        sql`insert into ${conversationImport} (user_id) values (${userId}) on conflict (user_id) do nothing returning id`,
      );
      if (created) return created.id;
      const [stale] = await queryRows<{ id: string }>(
        tx,
        sql`select id from ${conversationImport}
            where user_id = ${userId} and heartbeat_at < now() - make_interval(secs => ${staleAfterSeconds})
            for update`,
      );
      if (!stale) {
        throw new ApiError("conflict", "An import of yours is already running. Wait for it to finish, then try again.");
      }
      await tx.execute(sql`delete from ${thread} where user_id = ${userId} and import_id = ${stale.id}`);
      const [taken] = await queryRows<{ id: string }>(
        tx,
        sql`update ${conversationImport} set id = gen_random_uuid(), started_at = now(), heartbeat_at = now()
            where user_id = ${userId} returning id`,
      );
      return taken.id;
    });
  }

  /** Keeps the import marked alive; false when it is no longer the caller's running one. */
  async function heartbeatForUser(userId: string, importId: string): Promise<boolean> {
    const rows = await queryRows<{ id: string }>(
      db,
      sql`update ${conversationImport} set heartbeat_at = now() where id = ${importId} and user_id = ${userId} returning id`,
    );
    return rows.length > 0;
  }

  /**
   * Writes a batch of conversations as the caller's personal threads, in one transaction: all of
   * them or none. Threads and messages go in as one JSON parameter each (one statement per
   * table, whatever the batch's size, and no limit on bind parameters to mind).
   */
  async function insertBatchForUser(
    userId: string,
    importId: string,
    conversations: (ImportedConversation & { threadId: string })[],
  ): Promise<void> {
    const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
    const threads = JSON.stringify(
      conversations.map((c) => ({
        id: c.threadId,
        title: c.title,
        created_at: iso(c.createdAt),
        updated_at: iso(c.updatedAt),
        last_message_at: iso(c.lastMessageAt),
      })),
    );
    // The messages' content is JSON already (made in the worker): spliced in, never parsed here.
    const text = JSON.stringify;
    const messages = `[${conversations
      .flatMap((c) =>
        c.messages.map(
          (m) =>
            `{"thread_id":${text(c.threadId)},"id":${text(m.id)},"parent_id":${text(m.parentId)},"role":${text(m.role)},` +
            `"content":${m.content},"created_at":${text(iso(m.createdAt))}}`,
        ),
      )
      .join(",")}]`;
    await db.transaction(async (tx) => {
      const [running] = await queryRows<{ id: string }>(
        tx,
        sql`select id from ${conversationImport} where id = ${importId} and user_id = ${userId} for share`,
      );
      if (!running) throw new ImportTakenOver();
      await tx.execute(sql`
        insert into ${thread} (id, user_id, title, created_at, updated_at, last_message_at, import_id)
        select t.id, ${userId}, t.title, t.created_at, t.updated_at, t.last_message_at, ${importId}::uuid
        from json_to_recordset(${threads}::json)
          as t(id uuid, title text, created_at timestamptz, updated_at timestamptz, last_message_at timestamptz)`);
      await tx.execute(sql`
        insert into ${message} (thread_id, id, parent_id, role, format, content, status, created_at)
        select m.thread_id, m.id, m.parent_id, m.role, ${messageFormat}, m.content, 'complete', m.created_at
        from json_to_recordset(${messages}::json)
          as m(thread_id uuid, id text, parent_id text, role text, content jsonb, created_at timestamptz)`);
    });
  }

  /** Undoes the import: every thread it wrote (their messages by cascade), then its record. */
  async function rollbackForUser(userId: string, importId: string): Promise<void> {
    await db.transaction(async (tx) => {
      await tx.execute(sql`delete from ${thread} where user_id = ${userId} and import_id = ${importId}`);
      await tx.execute(sql`delete from ${conversationImport} where id = ${importId} and user_id = ${userId}`);
    });
  }

  /** The import is over (its threads stay): the person may start another. */
  async function finishForUser(userId: string, importId: string): Promise<void> {
    await db.execute(sql`delete from ${conversationImport} where id = ${importId} and user_id = ${userId}`);
  }

  return { beginForUser, heartbeatForUser, insertBatchForUser, rollbackForUser, finishForUser };
}

export type ImportStore = ReturnType<typeof createImportStore>;
export const importStore = createImportStore();
