import "server-only";
import { and, asc, eq, sql } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { project, projectChunk, projectFile, projectFileBlob, projectIndexJob, type ProjectFile } from "@/db/schema";
import { ApiError } from "@/lib/http/errors";
import { limits as requestLimits } from "@/lib/http/limits";
import { queryRows } from "@/lib/db/rows";
import { createUsage, usage as defaultUsage } from "@/lib/chat/usage";
import { cleanFileName, detectAttachmentType } from "@/lib/attachments/types";
import type { PassageJson, ProjectFileJson } from "@/lib/shared/projects";
import { projectLimits, type ProjectLimits } from "@/lib/projects/limits";
import { projectEditableBy, projectVisibleTo } from "@/lib/projects/access";
import { isUuid } from "@/lib/projects/projects";
import { projectIndexer } from "@/lib/projects/indexer";

/**
 * A project's files: upload, list, read, delete, and the passages retrieval cites. Every function
 * takes the caller's id first and checks the project (lib/projects/access.ts) in the same
 * statement: a file of a project the caller may not see is as missing as one that never existed.
 * Uploads only queue the file; its text is read and split by the indexer (lib/projects/indexer.ts),
 * never on the request path.
 */

const fileColumns = {
  id: projectFile.id,
  name: projectFile.name,
  mediaType: projectFile.mediaType,
  size: projectFile.size,
  status: projectFile.status,
  error: projectFile.error,
  chunks: projectFile.chunks,
  createdAt: projectFile.createdAt,
};

type FileRow = Pick<ProjectFile, keyof typeof fileColumns>;

export const projectFileJson = (row: FileRow): ProjectFileJson => ({
  id: row.id,
  name: row.name,
  type: row.mediaType,
  size: row.size,
  status: row.status,
  error: row.error,
  passages: row.chunks,
  createdAt: row.createdAt.toISOString(),
});

/** What the upload's bytes are, or why they are refused (checked after the project, so an outsider gets 404 first). */
function refusalOf(bytes: Uint8Array, maxFileBytes: number): { mediaType: string } | ApiError {
  if (bytes.byteLength === 0) return new ApiError("bad_request", "The file is empty.");
  if (bytes.byteLength > maxFileBytes)
    return new ApiError("payload_too_large", `A file may be at most ${maxFileBytes} bytes.`);
  const detected = detectAttachmentType(bytes);
  if (!detected || detected.kind === "image")
    return new ApiError("unsupported_media_type", "Only text, Markdown and PDF files can be added to a project.");
  return { mediaType: detected.mediaType };
}

/** Something that has indexing work waiting for it to pick up (lib/projects/indexer.ts). */
export type IndexerWake = { wake: () => void };

export function createProjectFileStore(
  db: AppDatabase = defaultDb,
  limits: ProjectLimits = projectLimits,
  // Tests pass their own (or none: they run the indexer's jobs themselves).
  indexer: () => IndexerWake = () => ({ wake: () => {} }),
  maxFileBytes: number = requestLimits.maxAttachmentBytes,
  // The quota checks of an upload that will be embedded (only when an embedding model is configured).
  usage: Pick<typeof defaultUsage, "assertWithinQuotaForWorkspaceUser"> = db === defaultDb
    ? defaultUsage
    : createUsage(db),
) {
  const visibleProject = (userId: string, projectId: string) =>
    sql`exists (select 1 from ${project} p where p.id = ${projectId}::uuid and ${projectVisibleTo(userId)})`;

  /** The project's files, oldest first; null when the caller may not see the project. */
  async function listFilesForUser(userId: string, projectId: string): Promise<ProjectFileJson[] | null> {
    if (!isUuid(projectId)) return null;
    const rows = await queryRows<{ visible: boolean; files: string | null }>(
      db,
      sql`select ${visibleProject(userId, projectId)} as visible`,
    );
    if (!rows[0]?.visible) return null;
    const files = await db
      .select(fileColumns)
      .from(projectFile)
      .where(and(eq(projectFile.projectId, projectId), visibleProject(userId, projectId)))
      .orderBy(asc(projectFile.createdAt), asc(projectFile.id));
    return files.map(projectFileJson);
  }

  /** One file of the project; null when either is missing or the project is not the caller's to see. */
  async function getFileForUser(userId: string, projectId: string, fileId: string): Promise<ProjectFileJson | null> {
    if (!isUuid(projectId) || !isUuid(fileId)) return null;
    const [row] = await db
      .select(fileColumns)
      .from(projectFile)
      .where(and(eq(projectFile.id, fileId), eq(projectFile.projectId, projectId), visibleProject(userId, projectId)));
    return row ? projectFileJson(row) : null;
  }

  /**
   * Adds a file to the project (the caller must be allowed to edit it; "forbidden" when they may
   * only see it, null when not even that). Its kind is decided from the bytes: text, Markdown or
   * PDF (415 otherwise); empty → 400; larger than MAX_ATTACHMENT_BYTES → 413. The project's limits
   * (PROJECT_MAX_FILES → 409, PROJECT_MAX_BYTES → 413) are checked and the file, its bytes and its
   * indexing job written in one transaction with the project's row locked, so uploads at once
   * cannot pass a limit together. Then the indexer is woken; the file is "queued" until it runs.
   *
   * Two more refusals, both 429: with an embedding model configured, an uploader over their
   * monthly token quota, or whose project's workspace is over its quota (`quota_exceeded`:
   * indexing would spend tokens on their behalf; `ownQuota` is the quota an admin set for them);
   * and an uploader with PROJECT_MAX_QUEUED_FILES_PER_USER files still waiting to be indexed, in
   * any project (`rate_limited`: the indexing queue is shared by everyone). That count is made
   * under a lock of the uploader's own, so uploads at once to several projects cannot pass it together.
   */
  async function uploadFileForUser(
    userId: string,
    projectId: string,
    file: { name: string; bytes: Uint8Array },
    ownQuota?: number | null,
  ): Promise<ProjectFileJson | "forbidden" | null> {
    if (!isUuid(projectId)) return null;
    const checked = refusalOf(file.bytes, maxFileBytes);
    if (limits.embeddingModel) {
      // Before the transaction, not in it: the quota is read through the app's own connection,
      // and PGlite runs nothing else while a transaction is open. The project comes first, so an
      // outsider learns nothing of it from a quota answer.
      const [found] = await queryRows<{ can_edit: boolean; workspace_id: string | null }>(
        db,
        sql`select ${projectEditableBy(userId)} as can_edit, p.workspace_id from ${project} p
            where p.id = ${projectId}::uuid and ${projectVisibleTo(userId)}`,
      );
      if (!found) return null;
      if (!found.can_edit) return "forbidden";
      if (checked instanceof ApiError) throw checked;
      await usage.assertWithinQuotaForWorkspaceUser(userId, ownQuota, found.workspace_id);
    }
    const saved = await db.transaction(async (tx) => {
      const [locked] = await queryRows<{ can_edit: boolean }>(
        tx,
        sql`select ${projectEditableBy(userId)} as can_edit from ${project} p
            where p.id = ${projectId}::uuid and ${projectVisibleTo(userId)}
            for update of p`,
      );
      if (!locked) return null;
      if (!locked.can_edit) return "forbidden" as const;
      if (checked instanceof ApiError) throw checked;
      // The uploader's files waiting, all projects together, under a lock of theirs (the project
      // row's lock covers only this project).
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`project-upload:${userId}`}))`);
      const [waiting] = await queryRows<{ files: number }>(
        tx,
        sql`select count(*)::int as files from ${projectIndexJob} j
            join ${projectFile} f on f.id = j.file_id
            where f.user_id = ${userId}`,
      );
      if (waiting.files >= limits.maxQueuedFilesPerUser) {
        throw new ApiError(
          "rate_limited",
          `Wait until your files are indexed: at most ${limits.maxQueuedFilesPerUser} of your files can wait to be indexed at once.`,
          { "Retry-After": "30" },
        );
      }
      // Counted in a statement of its own, after the lock: a statement that waited for the lock
      // still reads from the snapshot it started with, which misses the upload that held it.
      const [used] = await queryRows<{ files: number; bytes: string }>(
        tx,
        sql`select count(*)::int as files, coalesce(sum(size), 0)::bigint::text as bytes
            from ${projectFile} where project_id = ${projectId}::uuid`,
      );
      if (used.files >= limits.maxFiles) {
        throw new ApiError(
          "conflict",
          `A project may have at most ${limits.maxFiles} files. Remove one before adding another.`,
        );
      }
      if (Number(used.bytes) + file.bytes.byteLength > limits.maxBytes) {
        throw new ApiError(
          "payload_too_large",
          `A project's files may take at most ${limits.maxBytes} bytes together; this one would pass that.`,
        );
      }
      const [row] = await tx
        .insert(projectFile)
        .values({
          projectId,
          userId,
          name: cleanFileName(file.name),
          mediaType: checked.mediaType,
          size: file.bytes.byteLength,
        })
        .returning(fileColumns);
      await tx.insert(projectFileBlob).values({ fileId: row.id, data: file.bytes });
      await tx.insert(projectIndexJob).values({ fileId: row.id });
      await tx
        .update(project)
        .set({ updatedAt: sql`now()` })
        .where(eq(project.id, projectId));
      return row;
    });
    if (saved === null || saved === "forbidden") return saved;
    indexer().wake();
    return projectFileJson(saved);
  }

  /**
   * Removes a file with its bytes, passages and any indexing job (the caller must be allowed to
   * edit the project). An indexer working on it at that moment finds its job gone and stops.
   */
  async function deleteFileForUser(
    userId: string,
    projectId: string,
    fileId: string,
  ): Promise<"done" | "forbidden" | null> {
    if (!isUuid(projectId) || !isUuid(fileId)) return null;
    const deleted = await queryRows<{ id: string }>(
      db,
      sql`with gone as (
            delete from ${projectFile} f using ${project} p
            where f.id = ${fileId}::uuid and f.project_id = p.id and p.id = ${projectId}::uuid
              and ${projectEditableBy(userId)}
            returning f.id, p.id as project_id
          ), touched as (
            update ${project} set updated_at = now() where id in (select project_id from gone)
          )
          select id from gone`,
    );
    if (deleted.length > 0) return "done";
    return (await getFileForUser(userId, projectId, fileId)) ? "forbidden" : null;
  }

  /** The file's bytes as uploaded, for download; null as for a missing file. */
  async function fileContentForUser(
    userId: string,
    projectId: string,
    fileId: string,
  ): Promise<{ name: string; mediaType: string; bytes: Uint8Array } | null> {
    if (!isUuid(projectId) || !isUuid(fileId)) return null;
    const [row] = await db
      .select({ name: projectFile.name, mediaType: projectFile.mediaType, data: projectFileBlob.data })
      .from(projectFile)
      .innerJoin(projectFileBlob, eq(projectFileBlob.fileId, projectFile.id))
      .where(and(eq(projectFile.id, fileId), eq(projectFile.projectId, projectId), visibleProject(userId, projectId)));
    return row ? { name: row.name, mediaType: row.mediaType, bytes: new Uint8Array(row.data) } : null;
  }

  /** One passage of a file with its neighbours' numbers: what a reply's source opens. Null for a missing seq too. */
  async function passageForUser(
    userId: string,
    projectId: string,
    fileId: string,
    seq: number,
  ): Promise<PassageJson | null> {
    if (!isUuid(projectId) || !isUuid(fileId) || !Number.isSafeInteger(seq) || seq < 1 || seq > 2 ** 31 - 1)
      return null;
    const [row] = await queryRows<{ name: string; text: string; has_previous: boolean; has_next: boolean }>(
      db,
      sql`select f.name, c.text,
                 exists (select 1 from ${projectChunk} b where b.file_id = c.file_id and b.seq = c.seq - 1) as has_previous,
                 exists (select 1 from ${projectChunk} a where a.file_id = c.file_id and a.seq = c.seq + 1) as has_next
          from ${projectChunk} c
          join ${projectFile} f on f.id = c.file_id
          join ${project} p on p.id = f.project_id
          where c.file_id = ${fileId}::uuid and c.seq = ${seq} and p.id = ${projectId}::uuid
            and ${projectVisibleTo(userId)}`,
    );
    if (!row) return null;
    return {
      fileId,
      name: row.name,
      seq,
      text: row.text,
      previous: row.has_previous ? seq - 1 : null,
      next: row.has_next ? seq + 1 : null,
    };
  }

  return {
    listFilesForUser,
    getFileForUser,
    uploadFileForUser,
    deleteFileForUser,
    fileContentForUser,
    passageForUser,
  };
}

export type ProjectFileStore = ReturnType<typeof createProjectFileStore>;

export const projectFiles = createProjectFileStore(defaultDb, projectLimits, () => projectIndexer);
