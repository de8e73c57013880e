import "server-only";
import { randomBytes, randomUUID } from "node:crypto";
import type { UIMessage } from "ai";
import { and, asc, desc, eq, inArray, isNotNull, sql, type SQL } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import {
  attachment,
  message,
  shareAudiences as schemaShareAudiences,
  shareFile,
  shareLink,
  shareLinkMessage,
  thread,
  user,
  workspaceMember,
} from "@/db/schema";
import { ApiError } from "@/lib/http/errors";
import { limits } from "@/lib/http/limits";
import { attachmentStorage, type AttachmentStorage } from "@/lib/attachments/storage";
import { audit as defaultAudit, type Audit } from "@/lib/admin/audit";
import { logger } from "@/lib/observability/logger";
import { queryRows } from "@/lib/db/rows";
import { uuidPattern } from "@/lib/db/keyset-cursor";
import { sharedBranch } from "@/lib/chat/visibility";
import type { ThreadSummary } from "@/lib/chat/threads";
import { attachmentIdOf, attachmentUrl, messageFormat } from "@/lib/shared/chat-messages";
import { audiencesFor, modeAllows, shareLinkPolicy, type ShareLinkPolicy } from "@/lib/sharing/policy";
import { renderMarkdownOffThread } from "@/lib/sharing/snapshot-html";
import {
  shareAudiences,
  shareTokenPattern,
  type AdminShareLinkRow,
  type AdminShareOverview,
  type ShareAudience,
  type ShareLinkJson,
  type ShareLinkMode,
} from "@/lib/shared/share-links";

/**
 * Share links: a snapshot of a thread's current branch, opened by a random token
 * (lib/shared/share-links.ts). The snapshot is rows of its own (share_link_message, share_file),
 * so opening a link never touches the live thread, its other branches or its attachments.
 *
 * As in lib/chat/threads.ts, every function of an owner takes the caller's id first and puts it
 * in the statement; a thread or link that is not theirs is null, like a missing one. Opening a
 * link is checked in one statement per request (`openable`), never cached, so a deleted link, a
 * banned author, a member who left or an admin's switch to `off` ends access on every instance
 * at the next request. The admin functions never select a title, message or token.
 */

/** The schema's audiences are exactly the API's. */
schemaShareAudiences satisfies typeof shareAudiences;

/** Where a request came from, for the audit log (`requestOrigin(caller.headers)`). */
export type Origin = { address: string | null; userAgent: string | null };

type SnapshotRole = "user" | "assistant" | "system";

/** A snapshot as the share page renders it; file parts' urls are already `/s/<token>/files/<id>`. */
export type SnapshotView = {
  linkId: string;
  title: string | null;
  authorName: string;
  snapshotAt: Date;
  audience: ShareAudience;
  /** Which page of the snapshot `messages` is (from 1), and how many there are. */
  page: number;
  pages: number;
  messages: { id: string; role: SnapshotRole; createdAt: Date; parts: SnapshotPart[] }[];
};

/**
 * A part as a snapshot stores it. The model's text and reasoning carry `html`: their Markdown
 * rendered once, when the snapshot was taken (lib/sharing/snapshot-html.ts), so a view parses
 * nothing; without it (a limit was reached, or what a person typed) the page shows plain text.
 */
export type SnapshotPart = UIMessage["parts"][number] & { html?: string };

/**
 * What one page of a share view holds at most, so that rendering it has a bounded cost whatever
 * the snapshot's length: 100 messages, or 256 KiB of their stored JSON. A single larger message
 * is a page of its own (an assistant reply has no length limit of its own).
 */
export const snapshotPageSize = { messages: 100, bytes: 256 * 1024 };

/** The page (from 1) of each message of a snapshot, given each message's JSON size in bytes. */
export function paginate(sizes: number[], max = snapshotPageSize): number[] {
  let page = 1;
  let count = 0;
  let bytes = 0;
  return sizes.map((size) => {
    if (count > 0 && (count >= max.messages || bytes + size > max.bytes)) {
      page++;
      count = 0;
      bytes = 0;
    }
    count++;
    bytes += size;
    return page;
  });
}

/** A snapshot's file part names its copy this way (never an address anyone could fetch). */
const shareFileRef = (id: string) => `share-file:${id}`;
const shareFileIdOf = (url: unknown) =>
  typeof url === "string" && url.startsWith("share-file:") ? url.slice("share-file:".length) : undefined;

type StoredParts = { parts?: { type?: unknown; text?: unknown; url?: unknown }[] };
type SnapshotContent = { role: SnapshotRole; parts: SnapshotPart[] };

/**
 * A message as a snapshot keeps it: its text and reasoning, and its files as copies named by
 * `copyOf` (attachment id → share file). Everything else (tool calls, sources, metadata, files
 * that are not this message's stored uploads) is left out.
 */
function snapshotContent(
  role: SnapshotRole,
  content: unknown,
  copyOf: (attachmentId: string) => { id: string; name: string; mediaType: string } | undefined,
): SnapshotContent {
  const parts = ((content as StoredParts | null)?.parts ?? []).flatMap((part): UIMessage["parts"] => {
    if ((part.type === "text" || part.type === "reasoning") && typeof part.text === "string")
      return [{ type: part.type, text: part.text }];
    const id = part.type === "file" ? attachmentIdOf(part.url) : undefined;
    const copy = id && copyOf(id);
    // The name and type of the stored row (decided from the bytes), not what the part claims.
    return copy ? [{ type: "file", mediaType: copy.mediaType, filename: copy.name, url: shareFileRef(copy.id) }] : [];
  });
  return { role, parts };
}

/** A snapshot's file parts pointed at `url(shareFileId)`; a part it names nothing for is left out. */
const renameFiles = <Part extends UIMessage["parts"][number]>(
  parts: Part[],
  url: (shareFileId: string) => string | undefined,
): Part[] =>
  parts.flatMap((part): Part[] => {
    if (part.type !== "file") return [part];
    const id = shareFileIdOf(part.url);
    const renamed = id && url(id);
    return renamed ? [{ ...part, url: renamed }] : [];
  });

const tooLarge = (messages: number, bytes: number, max: { messages: number; bytes: number }, what: string) =>
  new ApiError(
    "payload_too_large",
    `This ${what} is too large: ${messages} messages and ${bytes} bytes of messages and attachments; at most ${max.messages} messages and ${max.bytes} bytes.`,
  );

const withoutHtml = (part: SnapshotPart): UIMessage["parts"][number] => {
  const copy = { ...part };
  delete copy.html;
  return copy;
};

/** Thrown inside a transaction when what it writes from is no longer there (or no longer the caller's). */
class Gone extends Error {}

const newToken = () => randomBytes(32).toString("base64url");

/** The token in a link address someone reported (a full URL, a path or the bare token), or null. */
function tokenOf(value: string): string | null {
  const text = value.trim();
  if (shareTokenPattern.test(text)) return text;
  try {
    const token = /^\/s\/([^/]+)(?:\/.*)?$/.exec(new URL(text, "http://link.invalid").pathname)?.[1];
    return token && shareTokenPattern.test(token) ? token : null;
  } catch {
    return null;
  }
}

export function createShareLinkStore(
  db: AppDatabase = defaultDb,
  storage: () => AttachmentStorage = attachmentStorage,
  policy: ShareLinkPolicy = shareLinkPolicy,
  log: Pick<Audit, "record" | "emailOf"> = defaultAudit,
  copyLimits: { messages: number; bytes: number } = { messages: limits.maxCopyMessages, bytes: limits.maxCopyBytes },
  renderMarkdown: (userId: string, texts: string[]) => Promise<(string | null)[]> = renderMarkdownOffThread,
) {
  const isMember = (userId: SQL | string, workspaceId: SQL) =>
    sql`exists (select 1 from ${workspaceMember} m where m.workspace_id = ${workspaceId} and m.user_id = ${userId})`;

  /**
   * Who may open a link, on `l` (share_link), `t` (its thread) and `u` (its author), for a viewer
   * who passed the app's session rules (null: nobody signed in). The author is not banned, the
   * instance mode allows the audience, and the audience lets this viewer in: anyone; any
   * signed-in person; or a member of the thread's current workspace while the author is one too.
   */
  const openable = (viewerId: string | null) => sql`t.id = l.thread_id and t.user_id = l.user_id and u.id = l.user_id
    and not (coalesce(u.banned, false) and (u.ban_expires is null or u.ban_expires > now()))
    and (case ${policy.modeSql()} when 'anyone' then true when 'signed-in' then l.audience <> 'anyone' else false end)
    and (l.audience = 'anyone' or (${viewerId}::text is not null and (l.audience = 'signed-in' or (
      l.audience = 'workspace' and t.workspace_id is not null
      and ${isMember(sql`${viewerId}::text`, sql`t.workspace_id`)} and ${isMember(sql`l.user_id`, sql`t.workspace_id`)}))))`;

  const jsonColumns = {
    id: shareLink.id,
    threadId: shareLink.threadId,
    threadTitle: thread.title,
    token: shareLink.token,
    audience: shareLink.audience,
    workspaceId: thread.workspaceId,
    createdAt: shareLink.createdAt,
    updatedAt: shareLink.updatedAt,
    views: shareLink.views,
    messages: shareLink.messages,
  };
  type JsonRow = NonNullable<Awaited<ReturnType<typeof ownLinkRow>>>;
  const linkJson = (row: JsonRow, mode: ShareLinkMode): ShareLinkJson => ({
    id: row.id,
    threadId: row.threadId,
    threadTitle: row.threadTitle,
    path: `/s/${row.token}`,
    audience: row.audience,
    workspaceId: row.workspaceId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    views: row.views,
    messages: row.messages,
    available: modeAllows(mode, row.audience) && (row.audience !== "workspace" || row.workspaceId !== null),
  });
  /** The caller's link, by its thread, as the API sends it. */
  const ownLinkRow = async (executor: AppDatabase, userId: string, where: SQL) => {
    const [row] = await executor
      .select(jsonColumns)
      .from(shareLink)
      .innerJoin(thread, eq(thread.id, shareLink.threadId))
      .where(and(where, eq(shareLink.userId, userId), eq(thread.userId, userId)));
    return row;
  };

  /**
   * An audience for a thread of this workspace (null: personal) under this mode: `workspace`
   * needs a workspace thread (400); the mode must allow it (403), unless `kept` (a link's own
   * audience, kept through an update while the mode suspends it).
   */
  function checkAudience(mode: ShareLinkMode, audience: ShareAudience, workspaceId: string | null, kept: boolean) {
    if (mode === "off") throw new ApiError("forbidden", "Share links are turned off on this instance.");
    if (audience === "workspace" && workspaceId === null)
      throw new ApiError("bad_request", "Only a thread in a workspace can be shared with its members.");
    if (!kept && !modeAllows(mode, audience))
      throw new ApiError("forbidden", "This instance does not allow links that anyone can open.");
  }

  const record = async (
    userId: string,
    action: "share_link_created" | "share_link_updated" | "share_link_audience_changed" | "share_link_deleted",
    link: { id: string; threadId: string; audience: ShareAudience; workspaceId: string | null },
    origin: Origin,
    by?: { adminId: string },
  ) =>
    log.record({
      action,
      actor: by
        ? { id: by.adminId, email: await log.emailOf(by.adminId) }
        : { id: userId, email: await log.emailOf(userId) },
      target: by ? { id: userId, email: await log.emailOf(userId) } : null,
      workspaceId: link.workspaceId,
      detail: {
        linkId: link.id,
        threadId: link.threadId,
        audience: link.audience,
        ...(action === "share_link_deleted" && { by: by ? "admin" : "owner" }),
      },
      ...origin,
    });

  /** Removes files of the given owner from a directory or bucket after the rows are gone (the database's go with their rows). */
  async function removeFiles(userId: string, ids: string[], what: string) {
    const store = storage();
    if (store.kind === "database" || ids.length === 0) return;
    await store
      .remove(userId, ids)
      .catch((error: unknown) =>
        logger.error({ err: error, files: ids.length }, `share links: could not remove ${what}`),
      );
  }

  /** The caller's link of a thread of theirs and the audiences it may have now; null when the thread is not theirs. */
  async function linkForUser(
    userId: string,
    threadId: string,
  ): Promise<{ link: ShareLinkJson | null; audiences: ShareAudience[] } | null> {
    const [own] = await db
      .select({ workspaceId: thread.workspaceId })
      .from(thread)
      .where(and(eq(thread.id, threadId), eq(thread.userId, userId)));
    if (!own) return null;
    const link = await ownLinkRow(db, userId, eq(shareLink.threadId, threadId));
    const { mode } = await policy.current();
    return { link: link ? linkJson(link, mode) : null, audiences: audiencesFor(mode, own.workspaceId) };
  }

  /**
   * Creates the thread's link (audience `signed-in` unless given) or replaces its snapshot under
   * the same token (the audience kept unless given), from the thread's current branch. Null when
   * the thread is not the caller's. 400 for an empty thread or `workspace` on a personal one, 403
   * when the mode refuses, 413 over the copy limits, all before anything is written.
   *
   * Files are copied first (outside the transaction when they live outside the database) and
   * removed again if it fails; the snapshot's old files go after it commits. The thread's row is
   * locked in the transaction, so two shares of one thread at once make one link.
   */
  async function shareForUser(
    userId: string,
    threadId: string,
    audience: ShareAudience | undefined,
    origin: Origin,
  ): Promise<{ link: ShareLinkJson; created: boolean } | null> {
    const [own] = await db
      .select({ workspaceId: thread.workspaceId, audience: shareLink.audience })
      .from(thread)
      .leftJoin(shareLink, eq(shareLink.threadId, thread.id))
      .where(and(eq(thread.id, threadId), eq(thread.userId, userId)));
    if (!own) return null;
    const { mode } = await policy.current();
    checkAudience(mode, audience ?? own.audience ?? "signed-in", own.workspaceId, !audience && own.audience !== null);

    // Sized in the database first: an oversized branch is refused before any of it is read into memory.
    const [size] = await queryRows<{ messages: number; bytes: string | null }>(
      db,
      sql`select count(*)::int as messages, sum(octet_length(m.content::text)) as bytes from ${message} m
          where m.thread_id = ${threadId} and m.id in ${sharedBranch(threadId)}
            and exists (select 1 from ${thread} t where t.id = ${threadId} and t.user_id = ${userId})`,
    );
    if (size && (size.messages > copyLimits.messages || Number(size.bytes ?? 0) > copyLimits.bytes))
      throw tooLarge(size.messages, Number(size.bytes ?? 0), copyLimits, "thread");

    const branch = await db
      .select({ id: message.id, role: message.role, content: message.content, createdAt: message.createdAt })
      .from(message)
      .where(
        and(
          eq(message.threadId, threadId),
          sql`${message.id} in ${sharedBranch(threadId)}`,
          sql`exists (select 1 from ${thread} t where t.id = ${threadId} and t.user_id = ${userId})`,
        ),
      )
      .orderBy(asc(message.createdAt), asc(message.id))
      .limit(copyLimits.messages + 1);
    if (branch.length === 0) throw new ApiError("bad_request", "Nothing to share yet: the thread has no messages.");
    const uploads =
      branch.length > copyLimits.messages
        ? []
        : await db
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
                eq(attachment.threadId, threadId),
                eq(attachment.userId, userId),
                isNotNull(attachment.storedAt),
                inArray(
                  attachment.messageId,
                  branch.map((m) => m.id),
                ),
              ),
            );
    const byId = new Map(uploads.map((u) => [u.id, u]));
    const copies = new Map<string, (typeof uploads)[number] & { copyId: string }>();
    const messages = branch.map((m) => ({
      ...m,
      content: snapshotContent(m.role, m.content, (id) => {
        const upload = byId.get(id);
        if (!upload || upload.messageId !== m.id) return undefined;
        const copy = copies.get(id) ?? { ...upload, copyId: randomUUID() };
        copies.set(id, copy);
        return { id: copy.copyId, name: copy.name, mediaType: copy.mediaType };
      }),
    }));
    const bytes =
      messages.reduce((sum, m) => sum + Buffer.byteLength(JSON.stringify(m.content)), 0) +
      [...copies.values()].reduce((sum, f) => sum + f.size + Buffer.byteLength(f.text ?? ""), 0);
    if (branch.length > copyLimits.messages || bytes > copyLimits.bytes)
      throw tooLarge(branch.length, bytes, copyLimits, "thread");

    // The model's Markdown, rendered before anything is written (429/503 when the renderer is busy).
    const rendered = messages.flatMap((m) =>
      m.role === "user" ? [] : m.content.parts.filter((part) => part.type === "text" || part.type === "reasoning"),
    );
    const html = await renderMarkdown(
      userId,
      rendered.map((part) => part.text),
    );
    rendered.forEach((part, i) => {
      if (html[i] !== null) part.html = html[i];
    });
    // Pages are cut by what a view renders: the HTML included.
    const pageOf = paginate(messages.map((m) => Buffer.byteLength(JSON.stringify(m.content))));

    const store = storage();
    const inDatabase = store.kind === "database";
    const files = [...copies.values()];
    const written: string[] = [];
    try {
      if (!inDatabase)
        for (const f of files) {
          await store.copy({ userId, id: f.id }, { userId, id: f.copyId, shelf: "share" });
          written.push(f.copyId);
        }
      const result = await db.transaction(async (tx) => {
        const [locked] = await tx
          .select({ title: thread.title, workspaceId: thread.workspaceId })
          .from(thread)
          .where(and(eq(thread.id, threadId), eq(thread.userId, userId)))
          .for("update");
        if (!locked) throw new Gone();
        const [current] = await tx
          .select({ id: shareLink.id, audience: shareLink.audience })
          .from(shareLink)
          .where(eq(shareLink.threadId, threadId))
          .for("update");
        // Decided again under the lock: another request may have made or deleted the link meanwhile.
        const chosen = audience ?? current?.audience ?? "signed-in";
        checkAudience(mode, chosen, locked.workspaceId, !audience && current !== undefined);
        const values = {
          title: locked.title,
          audience: chosen,
          messages: messages.length,
          pages: pageOf.at(-1)!,
          updatedAt: sql`now()`,
        };
        let linkId: string;
        let oldFiles: string[] = [];
        if (current) {
          linkId = current.id;
          oldFiles = (
            await tx.delete(shareFile).where(eq(shareFile.linkId, linkId)).returning({ id: shareFile.id })
          ).map((f) => f.id);
          await tx.delete(shareLinkMessage).where(eq(shareLinkMessage.linkId, linkId));
          await tx.update(shareLink).set(values).where(eq(shareLink.id, linkId));
        } else {
          [{ id: linkId }] = await tx
            .insert(shareLink)
            .values({ ...values, token: newToken(), threadId, userId })
            .returning({ id: shareLink.id });
        }
        await tx.insert(shareLinkMessage).values(
          messages.map((m, seq) => ({
            linkId,
            page: pageOf[seq],
            seq,
            id: m.id,
            role: m.role,
            content: m.content,
            createdAt: m.createdAt,
          })),
        );
        if (files.length > 0) {
          await tx.insert(shareFile).values(
            files.map((f) => ({
              id: f.copyId,
              linkId,
              userId,
              name: f.name,
              mediaType: f.mediaType,
              size: f.size,
              text: f.text,
            })),
          );
          if (inDatabase)
            for (const f of files) await store.copy({ userId, id: f.id }, { userId, id: f.copyId, shelf: "share" }, tx);
        }
        const row = await ownLinkRow(tx, userId, eq(shareLink.id, linkId));
        return {
          row,
          created: !current,
          oldFiles,
          audienceChanged: current !== undefined && current.audience !== chosen,
        };
      });
      await removeFiles(userId, result.oldFiles, "the files of a replaced snapshot");
      await record(userId, result.created ? "share_link_created" : "share_link_updated", result.row, origin);
      if (result.audienceChanged) await record(userId, "share_link_audience_changed", result.row, origin);
      return { link: linkJson(result.row, mode), created: result.created };
    } catch (error) {
      await removeFiles(userId, written, "the files of a failed snapshot");
      if (error instanceof Gone) return null;
      throw error;
    }
  }

  /** Changes who may open the caller's link (its snapshot untouched); null when the thread has no link of theirs. */
  async function setAudienceForUser(
    userId: string,
    threadId: string,
    audience: ShareAudience,
    origin: Origin,
  ): Promise<ShareLinkJson | null> {
    const current = await ownLinkRow(db, userId, eq(shareLink.threadId, threadId));
    if (!current) return null;
    const { mode } = await policy.current();
    checkAudience(mode, audience, current.workspaceId, false);
    if (current.audience === audience) return linkJson(current, mode);
    // The thread's workspace checked again with the write: its author may have left it meanwhile.
    const changed = await db
      .update(shareLink)
      .set({ audience })
      .where(
        and(
          eq(shareLink.id, current.id),
          eq(shareLink.userId, userId),
          sql`exists (select 1 from ${thread} t where t.id = ${shareLink.threadId} and t.user_id = ${userId}
                and (${audience} <> 'workspace' or t.workspace_id is not null))`,
        ),
      )
      .returning({ id: shareLink.id });
    const row = await ownLinkRow(db, userId, eq(shareLink.id, current.id));
    if (!row) return null;
    // Not changed: the thread has left its workspace meanwhile (a 400 now).
    if (changed.length === 0) checkAudience(mode, audience, row.workspaceId, false);
    else await record(userId, "share_link_audience_changed", row, origin);
    return linkJson(row, mode);
  }

  /**
   * Deletes a link (its snapshot and files go with it), then its files in a directory or bucket.
   * The link row is locked before its files are listed, so a snapshot being replaced at that
   * moment is either listed whole or not yet begun.
   */
  async function removeLink(where: SQL) {
    const gone = await db.transaction(async (tx) => {
      const [link] = await tx
        .select({
          id: shareLink.id,
          userId: shareLink.userId,
          threadId: shareLink.threadId,
          audience: shareLink.audience,
        })
        .from(shareLink)
        .where(where)
        .for("update");
      if (!link) return null;
      const files = await tx.select({ id: shareFile.id }).from(shareFile).where(eq(shareFile.linkId, link.id));
      const [{ workspaceId }] = await tx
        .select({ workspaceId: thread.workspaceId })
        .from(thread)
        .where(eq(thread.id, link.threadId));
      await tx.delete(shareLink).where(eq(shareLink.id, link.id));
      return { ...link, workspaceId, files: files.map((f) => f.id) };
    });
    if (gone) await removeFiles(gone.userId, gone.files, "the files of a deleted link");
    return gone;
  }

  /** Deletes the caller's link, named by its thread or by its own id; false when there is no such link of theirs. */
  async function deleteForUser(
    userId: string,
    target: { threadId: string } | { linkId: string },
    origin: Origin,
  ): Promise<boolean> {
    const id = "threadId" in target ? target.threadId : target.linkId;
    if (!uuidPattern.test(id)) return false;
    const named = "threadId" in target ? shareLink.threadId : shareLink.id;
    const gone = await removeLink(sql`${shareLink.userId} = ${userId} and ${named} = ${id}`);
    if (!gone) return false;
    await record(userId, "share_link_deleted", gone, origin);
    return true;
  }

  /** The caller's links, newest snapshot first (at most 1000). */
  async function listForUser(userId: string): Promise<ShareLinkJson[]> {
    const rows = await db
      .select(jsonColumns)
      .from(shareLink)
      .innerJoin(thread, eq(thread.id, shareLink.threadId))
      .where(and(eq(shareLink.userId, userId), eq(thread.userId, userId)))
      .orderBy(desc(shareLink.updatedAt), desc(shareLink.id))
      .limit(1000);
    if (rows.length === 0) return [];
    const { mode } = await policy.current();
    return rows.map((row) => linkJson(row, mode));
  }

  /**
   * One page of the snapshot behind a token (1 to its `pages`), if this viewer may open it now:
   * the check, the view count and that page's messages in one statement. Page 1 counts as a view
   * and the others do not, so reading through a long snapshot is one view. Null (without a query
   * for a malformed token or page) for an unknown, deleted or not-allowed link and for a page the
   * snapshot does not have, alike.
   */
  async function openByToken(token: string, viewerId: string | null, page = 1): Promise<SnapshotView | null> {
    if (!shareTokenPattern.test(token) || !Number.isSafeInteger(page) || page < 1 || page > 2 ** 31 - 1) return null;
    const opened =
      page === 1
        ? sql`update ${shareLink} l set views = l.views + 1
              from ${thread} t, ${user} u
              where l.token = ${token} and ${openable(viewerId)}
              returning l.id, l.title, l.audience, l.updated_at, l.pages, u.name`
        : sql`select l.id, l.title, l.audience, l.updated_at, l.pages, u.name
              from ${shareLink} l, ${thread} t, ${user} u
              where l.token = ${token} and l.pages >= ${page} and ${openable(viewerId)}`;
    const rows = await queryRows<{
      link_id: string;
      title: string | null;
      audience: ShareAudience;
      snapshot_at: string | Date;
      pages: number;
      author_name: string;
      id: string | null;
      role: SnapshotRole | null;
      content: SnapshotContent | null;
      created_at: string | Date | null;
    }>(
      db,
      sql`
      with opened as (${opened})
      select o.id as link_id, o.title, o.audience, o.updated_at as snapshot_at, o.pages, o.name as author_name,
             m.id, m.role, m.content, m.created_at
      from opened o left join ${shareLinkMessage} m on m.link_id = o.id and m.page = ${page}
      order by m.seq`,
    );
    if (rows.length === 0) return null;
    const [first] = rows;
    const fileUrl = (id: string) => (uuidPattern.test(id) ? `/s/${token}/files/${id}` : undefined);
    return {
      linkId: first.link_id,
      title: first.title,
      authorName: first.author_name,
      snapshotAt: new Date(first.snapshot_at),
      audience: first.audience,
      page,
      pages: first.pages,
      messages: rows.flatMap((m) =>
        m.id === null || m.role === null || m.content === null || m.created_at === null
          ? []
          : [
              {
                id: m.id,
                role: m.role,
                createdAt: new Date(m.created_at),
                parts: renameFiles(m.content.parts, fileUrl),
              },
            ],
      ),
    };
  }

  /** A snapshot's file, only through its link's token and for a viewer who may open the link now; null otherwise. */
  async function readFileByToken(
    token: string,
    fileId: string,
    viewerId: string | null,
  ): Promise<{ name: string; type: string; size: number; bytes: Uint8Array } | null> {
    if (!shareTokenPattern.test(token) || !uuidPattern.test(fileId)) return null;
    const [row] = await queryRows<{ id: string; user_id: string; name: string; media_type: string; size: number }>(
      db,
      sql`select f.id, f.user_id, f.name, f.media_type, f.size
          from ${shareLink} l join ${shareFile} f on f.link_id = l.id, ${thread} t, ${user} u
          where l.token = ${token} and f.id = ${fileId} and ${openable(viewerId)}`,
    );
    if (!row) return null;
    // The stored id, not the request's spelling of it: it names the file in a directory or bucket.
    const bytes = await storage().get(row.user_id, row.id, "share");
    if (!bytes) {
      logger.error(
        { shareFileId: fileId, storage: storage().kind },
        "share links: a file's row is here but its bytes are not",
      );
      return null;
    }
    return { name: row.name, type: row.media_type, size: row.size, bytes };
  }

  /**
   * "Continue this conversation": a new thread of the caller's, in their personal space, holding
   * the snapshot (title, messages chained in order with their ids and times) and copies of its
   * files as attachments of theirs. The caller must be allowed to open the link now; null
   * otherwise, as for an unknown link. Within the copy limits (413), files first and removed
   * again on failure, like lib/chat/threads.ts copySharedBranchForUser.
   */
  async function continueForUser(userId: string, token: string): Promise<ThreadSummary | null> {
    if (!shareTokenPattern.test(token)) return null;
    const [link] = await queryRows<{
      id: string;
      user_id: string;
      messages: { id: string; role: SnapshotRole; content: SnapshotContent; createdAt: string }[];
      files: { id: string; name: string; mediaType: string; size: number; text: string | null }[];
    }>(
      db,
      sql`select l.id, l.user_id,
            (select coalesce(json_agg(json_build_object('id', m.id, 'role', m.role, 'content', m.content, 'createdAt', m.created_at) order by m.seq), '[]')
             from ${shareLinkMessage} m where m.link_id = l.id) as messages,
            (select coalesce(json_agg(json_build_object('id', f.id, 'name', f.name, 'mediaType', f.media_type, 'size', f.size, 'text', f.text)), '[]')
             from ${shareFile} f where f.link_id = l.id) as files
          from ${shareLink} l, ${thread} t, ${user} u
          where l.token = ${token} and ${openable(userId)}`,
    );
    if (!link) return null;
    const bytes =
      link.messages.reduce((sum, m) => sum + Buffer.byteLength(JSON.stringify(m.content)), 0) +
      link.files.reduce((sum, f) => sum + f.size + Buffer.byteLength(f.text ?? ""), 0);
    if (link.messages.length > copyLimits.messages || bytes > copyLimits.bytes)
      throw tooLarge(link.messages.length, bytes, copyLimits, "conversation");

    // Each file goes to the message whose part names it.
    const fileById = new Map(link.files.map((f) => [f.id, f]));
    const copies = new Map<string, (typeof link.files)[number] & { messageId: string; copyId: string }>();
    for (const m of link.messages)
      for (const part of m.content.parts) {
        const file = part.type === "file" ? fileById.get(shareFileIdOf(part.url) ?? "") : undefined;
        if (file && !copies.has(file.id)) copies.set(file.id, { ...file, messageId: m.id, copyId: randomUUID() });
      }
    const files = [...copies.values()];
    const store = storage();
    const inDatabase = store.kind === "database";
    const written: string[] = [];
    try {
      if (!inDatabase)
        for (const f of files) {
          await store.copy({ userId: link.user_id, id: f.id, shelf: "share" }, { userId, id: f.copyId });
          written.push(f.copyId);
        }
      return await db.transaction(async (tx) => {
        // Checked again with the write, and the link held so its snapshot cannot change under the copy.
        const [created] = await queryRows<{ id: string }>(
          tx,
          sql`insert into ${thread} (user_id, title, last_message_at)
              select ${userId}, l.title, ${link.messages.length > 0 ? sql`now()` : sql`null`}
              from ${shareLink} l, ${thread} t, ${user} u
              where l.id = ${link.id} and l.token = ${token} and ${openable(userId)}
              for share of l
              returning id`,
        );
        if (!created) throw new Gone();
        const threadId = created.id;
        if (link.messages.length > 0)
          await tx.insert(message).values(
            link.messages.map((m, i) => ({
              threadId,
              id: m.id,
              parentId: i === 0 ? null : link.messages[i - 1].id,
              role: m.role,
              format: messageFormat,
              content: {
                role: m.role,
                // The live message format has no `html`: the thread renders its own Markdown.
                parts: renameFiles(m.content.parts.map(withoutHtml), (id) => {
                  const copy = copies.get(id);
                  return copy && attachmentUrl(copy.copyId);
                }),
              },
              status: "complete" as const,
              createdAt: new Date(m.createdAt),
            })),
          );
        if (files.length > 0) {
          await tx.insert(attachment).values(
            files.map((f) => ({
              id: f.copyId,
              userId,
              threadId,
              messageId: f.messageId,
              name: f.name,
              mediaType: f.mediaType,
              size: f.size,
              text: f.text,
              storedAt: new Date(),
            })),
          );
          if (inDatabase)
            for (const f of files)
              await store.copy({ userId: link.user_id, id: f.id, shelf: "share" }, { userId, id: f.copyId }, tx);
        }
        const [row] = await tx
          .select({
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
          })
          .from(thread)
          .where(eq(thread.id, threadId));
        return row;
      });
    } catch (error) {
      await removeFiles(userId, written, "the files of a failed continue");
      if (error instanceof Gone) return null;
      throw error;
    }
  }

  const adminColumns = {
    id: shareLink.id,
    userId: shareLink.userId,
    audience: shareLink.audience,
    createdAt: shareLink.createdAt,
    updatedAt: shareLink.updatedAt,
    views: shareLink.views,
    messages: shareLink.messages,
  };
  const adminRow = (row: {
    id: string;
    userId: string;
    audience: ShareAudience;
    createdAt: Date;
    updatedAt: Date;
    views: number;
    messages: number;
  }): AdminShareLinkRow => ({ ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() });
  const countsByAudience = (counts: Partial<Record<ShareAudience, number>>): Record<ShareAudience, number> => ({
    "signed-in": counts["signed-in"] ?? 0,
    workspace: counts.workspace ?? 0,
    anyone: counts.anyone ?? 0,
  });

  /** For /admin: links per audience, and per person (the 200 with the most links). Counts only: no title, message or token. */
  async function overviewForAdmin(): Promise<AdminShareOverview> {
    const totals = await db
      .select({ audience: shareLink.audience, count: sql<number>`count(*)::int` })
      .from(shareLink)
      .groupBy(shareLink.audience);
    const people = await queryRows<{
      user_id: string;
      name: string;
      email: string;
      total: number;
      signed_in: number;
      workspace: number;
      anyone: number;
      views: string | number;
    }>(
      db,
      sql`select l.user_id, u.name, u.email, count(*)::int as total,
                 (count(*) filter (where l.audience = 'signed-in'))::int as signed_in,
                 (count(*) filter (where l.audience = 'workspace'))::int as workspace,
                 (count(*) filter (where l.audience = 'anyone'))::int as anyone,
                 sum(l.views)::bigint as views
          from ${shareLink} l join ${user} u on u.id = l.user_id
          group by l.user_id, u.name, u.email
          order by total desc, l.user_id
          limit 200`,
    );
    return {
      total: totals.reduce((sum, t) => sum + t.count, 0),
      byAudience: countsByAudience(Object.fromEntries(totals.map((t) => [t.audience, t.count]))),
      people: people.map((p) => ({
        userId: p.user_id,
        name: p.name,
        email: p.email,
        total: p.total,
        byAudience: countsByAudience({ "signed-in": p.signed_in, workspace: p.workspace, anyone: p.anyone }),
        views: Number(p.views),
      })),
    };
  }

  /** For /admin: one person's links, newest snapshot first (at most 1000), without titles. */
  async function linksOfUserForAdmin(userId: string): Promise<AdminShareLinkRow[]> {
    const rows = await db
      .select(adminColumns)
      .from(shareLink)
      .where(eq(shareLink.userId, userId))
      .orderBy(desc(shareLink.updatedAt), desc(shareLink.id))
      .limit(1000);
    return rows.map(adminRow);
  }

  /** For /admin: the link a reported address (full URL, path or bare token) names; [] for none. */
  async function findForAdmin(tokenOrUrl: string): Promise<AdminShareLinkRow[]> {
    const token = tokenOf(tokenOrUrl);
    if (!token) return [];
    const rows = await db.select(adminColumns).from(shareLink).where(eq(shareLink.token, token));
    return rows.map(adminRow);
  }

  /** An instance admin deletes any link (abuse), audited with `by: "admin"`; false when there is no such link. */
  async function deleteByAdmin(adminId: string, linkId: string, origin: Origin): Promise<boolean> {
    if (!uuidPattern.test(linkId)) return false;
    const gone = await removeLink(eq(shareLink.id, linkId));
    if (!gone) return false;
    await record(gone.userId, "share_link_deleted", gone, origin, { adminId });
    return true;
  }

  return {
    linkForUser,
    shareForUser,
    setAudienceForUser,
    deleteForUser,
    listForUser,
    openByToken,
    readFileByToken,
    continueForUser,
    overviewForAdmin,
    linksOfUserForAdmin,
    findForAdmin,
    deleteByAdmin,
  };
}

export const shareLinks = createShareLinkStore();
