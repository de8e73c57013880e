import "server-only";
import { randomUUID } from "node:crypto";
import { copyFile, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { attachmentBlob, shareFileBlob } from "@/db/schema";
import { queryRows } from "@/lib/db/rows";
import { readStorageSettings, type S3Settings, type StorageKind } from "@/lib/attachments/storage-settings";
import type { Env } from "@/lib/config/env";

/**
 * Where attachment bytes live. Every file is stored under its owner's id and its own random id,
 * never under a name the uploader chose, so a user's files can be removed as one prefix.
 */
export type AttachmentStorage = {
  kind: StorageKind;
  put: (userId: string, id: string, bytes: Uint8Array) => Promise<void>;
  /** Undefined when there is no such file. */
  get: (userId: string, id: string, shelf?: Shelf) => Promise<Uint8Array | undefined>;
  remove: (userId: string, ids: string[]) => Promise<void>;
  /**
   * Copies a file to another owner and id (a thread copied with its attachments, a share link's
   * snapshot and back), without the bytes passing through this process where the store can copy
   * them itself. Throws when the source file is missing. The database's copy is a row of
   * attachment_blob or share_file_blob (by `to.shelf`), which needs its attachment or share_file
   * row: it is written with `executor`, the transaction that has just written that row; the other
   * stores write at once, outside any transaction, so a caller removes their copies itself when
   * its transaction fails.
   */
  copy: (from: FileKey, to: FileKey, executor?: AppDatabase) => Promise<void>;
  /** Every file of the user (the account is gone). */
  removeUser: (userId: string) => Promise<void>;
};

/**
 * Whose file an id names: an attachment, or a share link's copy of one (lib/sharing/). Both live
 * under the same "<user id>/<id>" keys in a directory or bucket (ids are random UUIDs); only the
 * database keeps them apart, in attachment_blob and share_file_blob, each tied to its own row.
 */
export type Shelf = "attachment" | "share";
export type FileKey = { userId: string; id: string; shelf?: Shelf };

const missingSource = () => new Error("attachment storage: the file to copy is missing");

// Ids become path segments and object keys: anything but these characters is a bug, never a path.
const safeSegment = /^[A-Za-z0-9_-]{1,128}$/;
function segment(value: string): string {
  if (!safeSegment.test(value)) throw new Error("attachment storage: refusing an unsafe key segment");
  return value;
}

/** The default: bytes in the attachment_blob table, so every instance sees every file and a deleted row takes its bytes along. */
export function databaseStorage(db: AppDatabase = defaultDb): AttachmentStorage {
  const blobs = {
    attachment: { table: attachmentBlob, key: attachmentBlob.attachmentId },
    share: { table: shareFileBlob, key: shareFileBlob.shareFileId },
  };
  return {
    kind: "database",
    async put(_userId, id, bytes) {
      await db.insert(attachmentBlob).values({ attachmentId: id, data: bytes }).onConflictDoNothing();
    },
    async get(_userId, id, shelf = "attachment") {
      const { table, key } = blobs[shelf];
      const [row] = await db.select({ data: table.data }).from(table).where(eq(key, id));
      return row ? new Uint8Array(row.data) : undefined;
    },
    async copy(from, to, executor = db) {
      const source = blobs[from.shelf ?? "attachment"];
      const target = blobs[to.shelf ?? "attachment"];
      const copied = await queryRows(
        executor,
        sql`insert into ${target.table} (${sql.identifier(target.key.name)}, data)
            select ${to.id}, data from ${source.table} where ${source.key} = ${from.id}
            on conflict do nothing returning 1`,
      );
      if (copied.length === 0) throw missingSource();
    },
    // The blob row goes with its attachment or share file row (on delete cascade).
    async remove() {},
    async removeUser() {},
  };
}

/** Files under `dir/<user id>/<attachment id>`, written to a temporary name and renamed, so no half-written file is ever read. */
export function filesystemStorage(dir: string): AttachmentStorage {
  const userDir = (userId: string) => path.join(dir, segment(userId));
  const fileOf = (userId: string, id: string) => path.join(userDir(userId), segment(id));
  return {
    kind: "filesystem",
    async put(userId, id, bytes) {
      await mkdir(userDir(userId), { recursive: true, mode: 0o700 });
      const partial = `${fileOf(userId, id)}.${randomUUID()}.partial`;
      try {
        await writeFile(partial, bytes, { mode: 0o600 });
        await rename(partial, fileOf(userId, id));
      } catch (error) {
        await rm(partial, { force: true });
        throw error;
      }
    },
    async get(userId, id) {
      try {
        return new Uint8Array(await readFile(fileOf(userId, id)));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
        throw error;
      }
    },
    async remove(userId, ids) {
      await Promise.all(ids.map((id) => rm(fileOf(userId, id), { force: true })));
    },
    async copy(from, to) {
      await mkdir(userDir(to.userId), { recursive: true, mode: 0o700 });
      const partial = `${fileOf(to.userId, to.id)}.${randomUUID()}.partial`;
      try {
        await copyFile(fileOf(from.userId, from.id), partial);
        await rename(partial, fileOf(to.userId, to.id));
      } catch (error) {
        await rm(partial, { force: true });
        if ((error as NodeJS.ErrnoException).code === "ENOENT") throw missingSource();
        throw error;
      }
    },
    async removeUser(userId) {
      await rm(userDir(userId), { recursive: true, force: true });
    },
  };
}

/**
 * Any S3-compatible store (AWS S3, MinIO, Cloudflare R2, Ceph, ...) through the AWS SDK, loaded
 * only when this storage is chosen. Checksums only where the S3 API requires them: the SDK's
 * newer default (a checksum header on every upload) is not understood by every compatible store.
 */
export function s3Storage(settings: S3Settings): AttachmentStorage {
  let loaded: Promise<typeof import("@aws-sdk/client-s3")> | undefined;
  let made: Promise<import("@aws-sdk/client-s3").S3Client> | undefined;
  const sdk = () => (loaded ??= import("@aws-sdk/client-s3"));
  const client = () =>
    (made ??= sdk().then(
      ({ S3Client }) =>
        new S3Client({
          endpoint: settings.endpoint,
          region: settings.region,
          // Path-style addressing: what self-hosted stores (MinIO, Ceph, ...) expect.
          forcePathStyle: Boolean(settings.endpoint),
          credentials:
            settings.accessKeyId && settings.secretAccessKey
              ? { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey }
              : undefined,
          requestChecksumCalculation: "WHEN_REQUIRED",
          responseChecksumValidation: "WHEN_REQUIRED",
        }),
    ));
  const key = (userId: string, id: string) => `${segment(userId)}/${segment(id)}`;
  const removeKeys = async (keys: string[]) => {
    const [{ DeleteObjectCommand }, s3] = await Promise.all([sdk(), client()]);
    // One request per object: DeleteObjects needs a Content-MD5 some compatible stores check differently.
    for (let i = 0; i < keys.length; i += 8) {
      await Promise.all(
        keys.slice(i, i + 8).map((Key) => s3.send(new DeleteObjectCommand({ Bucket: settings.bucket, Key }))),
      );
    }
  };
  return {
    kind: "s3",
    async put(userId, id, bytes) {
      const [{ PutObjectCommand }, s3] = await Promise.all([sdk(), client()]);
      await s3.send(
        new PutObjectCommand({
          Bucket: settings.bucket,
          Key: key(userId, id),
          Body: bytes,
          ContentType: "application/octet-stream",
        }),
      );
    },
    async get(userId, id) {
      const [{ GetObjectCommand }, s3] = await Promise.all([sdk(), client()]);
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket: settings.bucket, Key: key(userId, id) }));
        return object.Body ? await object.Body.transformToByteArray() : new Uint8Array();
      } catch (error) {
        if ((error as { name?: string }).name === "NoSuchKey") return undefined;
        throw error;
      }
    },
    async remove(userId, ids) {
      await removeKeys(ids.map((id) => key(userId, id)));
    },
    async copy(from, to) {
      const [{ CopyObjectCommand }, s3] = await Promise.all([sdk(), client()]);
      try {
        // The store copies the object itself; keys are safe segments, so the source needs no escaping.
        await s3.send(
          new CopyObjectCommand({
            Bucket: settings.bucket,
            Key: key(to.userId, to.id),
            CopySource: `${settings.bucket}/${key(from.userId, from.id)}`,
          }),
        );
      } catch (error) {
        if ((error as { name?: string }).name === "NoSuchKey") throw missingSource();
        throw error;
      }
    },
    async removeUser(userId) {
      const [{ ListObjectsV2Command }, s3] = await Promise.all([sdk(), client()]);
      const Prefix = `${segment(userId)}/`;
      let ContinuationToken: string | undefined;
      do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: settings.bucket, Prefix, ContinuationToken }));
        await removeKeys((page.Contents ?? []).flatMap((o) => (o.Key ? [o.Key] : [])));
        ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (ContinuationToken);
    },
  };
}

export function storageFromEnv(env: Env = process.env, db: AppDatabase = defaultDb): AttachmentStorage {
  const settings = readStorageSettings(env);
  if (settings.kind === "filesystem") return filesystemStorage(settings.dir);
  if (settings.kind === "s3") return s3Storage(settings);
  return databaseStorage(db);
}

const shared = globalThis as { threadkeeperAttachmentStorage?: AttachmentStorage };

/** The process's attachment storage, chosen once from process.env. */
export const attachmentStorage = (): AttachmentStorage => (shared.threadkeeperAttachmentStorage ??= storageFromEnv());
