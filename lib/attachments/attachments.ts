import "server-only";
import type { UIMessage } from "ai";
import { and, eq, inArray, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { attachment, thread, type Attachment } from "@/db/schema";
import { ApiError } from "@/lib/http/errors";
import { atMostEvery } from "@/lib/observability/at-most-every";
import { attachmentStorage, type AttachmentStorage } from "@/lib/attachments/storage";
import { cleanFileName, decodeText, detectAttachmentType, kindOf } from "@/lib/attachments/types";
import { attachmentIdOf } from "@/lib/shared/chat-messages";
import { limits } from "@/lib/http/limits";
import { logger } from "@/lib/observability/logger";
import { pdfText as defaultPdfText, type PdfTextReader } from "@/lib/attachments/pdf-text";
import { sharedBranch, visibleTo } from "@/lib/chat/visibility";

/**
 * Every attachment query and file operation of the app. As in lib/chat/threads.ts, each function
 * takes the caller's id first and puts it in the statement, so an attachment they may not see is
 * exactly as missing as one that never existed. Only reading a sent file is open to someone
 * besides its owner (a reader of its shared thread); every other operation is the owner's.
 */

export type AttachmentJson = { id: string; name: string; type: string; size: number };

const attachmentJson = (row: Pick<Attachment, "id" | "name" | "mediaType" | "size">): AttachmentJson => ({
  id: row.id,
  name: row.name,
  type: row.mediaType,
  size: row.size,
});

const refused = () =>
  new ApiError(
    "bad_request",
    "Invalid request: an attachment is unknown, not yours, or was already sent with another message.",
  );

/** The attachment ids a message's file parts name; a file part naming anything else is refused. */
export function attachmentIdsOf(message: Pick<UIMessage, "parts">): string[] {
  const ids: string[] = [];
  for (const part of message.parts) {
    if (part.type !== "file") continue;
    const id = attachmentIdOf(part.url);
    if (!id)
      throw new ApiError(
        "bad_request",
        "Invalid request: a file must be uploaded first (POST /api/attachments) and named by its URL.",
      );
    ids.push(id);
  }
  if (new Set(ids).size !== ids.length)
    throw new ApiError("bad_request", "Invalid request: the same attachment is on a message twice.");
  if (ids.length > limits.maxAttachmentsPerMessage) {
    throw new ApiError(
      "bad_request",
      `Invalid request: a message may have at most ${limits.maxAttachmentsPerMessage} attachments.`,
    );
  }
  return ids;
}

/**
 * Ties the user's uploads to the message that sends them, inside the transaction that stores the
 * message. An upload already tied to this very message is fine (the same message stored twice);
 * one that is someone else's, unknown, unfinished or sent with another message refuses the whole
 * write.
 */
export async function claimAttachments(
  tx: AppDatabase,
  userId: string,
  threadId: string,
  messageId: string,
  ids: string[],
): Promise<void> {
  if (ids.length === 0) return;
  const claimed = await tx
    .update(attachment)
    .set({ threadId, messageId })
    .where(
      and(
        eq(attachment.userId, userId),
        inArray(attachment.id, ids),
        isNotNull(attachment.storedAt),
        sql`(${attachment.messageId} is null or (${attachment.threadId} = ${threadId} and ${attachment.messageId} = ${messageId}))`,
      ),
    )
    .returning({ id: attachment.id });
  if (claimed.length !== ids.length) throw refused();
}

export type ModelFileOptions = { pdfAsFile: boolean };

export function createAttachmentStore(
  db: AppDatabase = defaultDb,
  storage: () => AttachmentStorage = attachmentStorage,
  pdfText: PdfTextReader = defaultPdfText,
) {
  async function uploadForUser(userId: string, file: { name: string; bytes: Uint8Array }): Promise<AttachmentJson> {
    if (file.bytes.byteLength === 0) throw new ApiError("bad_request", "The file is empty.");
    if (file.bytes.byteLength > limits.maxAttachmentBytes) {
      throw new ApiError("payload_too_large", `A file may be at most ${limits.maxAttachmentBytes} bytes.`);
    }
    const detected = detectAttachmentType(file.bytes);
    if (!detected)
      throw new ApiError(
        "unsupported_media_type",
        "Only images (PNG, JPEG, WebP, GIF), PDFs and text files can be attached.",
      );
    // In a worker, within limits (lib/attachments/pdf-text.ts); refused there when it breaks one.
    const text = detected.kind === "pdf" ? await pdfText.read(userId, file.bytes) : null;
    // The row first, marked stored only once the bytes are: an upload cut short leaves a row the
    // orphan sweep removes, never bytes nothing points at.
    const [row] = await db
      .insert(attachment)
      .values({
        userId,
        name: cleanFileName(file.name),
        mediaType: detected.mediaType,
        size: file.bytes.byteLength,
        text,
      })
      .returning();
    try {
      await storage().put(userId, row.id, file.bytes);
      await db.update(attachment).set({ storedAt: new Date() }).where(eq(attachment.id, row.id));
    } catch (error) {
      await db
        .delete(attachment)
        .where(eq(attachment.id, row.id))
        .catch(() => {});
      await storage()
        .remove(userId, [row.id])
        .catch(() => {});
      throw error;
    }
    pruneOrphansSoon();
    return attachmentJson(row);
  }

  /**
   * The file and its bytes, for its owner, and for a reader of the thread it was sent in (a
   * member the thread is shared with) while its message is on the branch they can read (see
   * lib/chat/visibility.ts). Null for anyone else, and for an unknown or unfinished upload.
   */
  async function readForUser(
    userId: string,
    id: string,
  ): Promise<{ attachment: AttachmentJson; bytes: Uint8Array } | null> {
    const [row] = await db
      .select()
      .from(attachment)
      .where(
        and(
          eq(attachment.id, id),
          isNotNull(attachment.storedAt),
          or(
            eq(attachment.userId, userId),
            sql`(${attachment.messageId} is not null and exists (
              select 1 from ${thread} t
              where t.id = ${attachment.threadId} and t.user_id = ${attachment.userId} and ${visibleTo(userId)}
                and ${attachment.messageId} in ${sharedBranch(sql`t.id`)}))`,
          ),
        ),
      );
    if (!row) return null;
    const bytes = await storage().get(row.userId, id);
    if (!bytes) {
      logger.error({ attachmentId: id, storage: storage().kind }, "attachment: the row is here but its bytes are not");
      return null;
    }
    return { attachment: attachmentJson(row), bytes };
  }

  /** "deleted"; "sent" for a file that belongs to a message now; null when it is not the user's. */
  async function deleteUnsentForUser(userId: string, id: string): Promise<"deleted" | "sent" | null> {
    const gone = await db
      .delete(attachment)
      .where(and(eq(attachment.id, id), eq(attachment.userId, userId), isNull(attachment.messageId)))
      .returning({ id: attachment.id });
    if (gone.length > 0) {
      await storage().remove(userId, [id]);
      return "deleted";
    }
    const [sent] = await db
      .select({ id: attachment.id })
      .from(attachment)
      .where(and(eq(attachment.id, id), eq(attachment.userId, userId)));
    return sent ? "sent" : null;
  }

  /**
   * Checks every file part of a chat request before the model is called: each must be the user's
   * and stored; on the new (last) message it may be unsent or already tied to that message; on
   * earlier messages it must be tied to the message that carries it in this thread. Then turns
   * the parts into what the model reads: images as image files, PDFs as files (`pdfAsFile`, the
   * Responses API) or as their text, text files as text with their name.
   *
   * The request's budget: what the model is handed (text, and files before base64) is at most
   * MAX_MODEL_INPUT_BYTES, counted from the rows before any file is read, and each file is read
   * and converted once however many parts name it.
   */
  async function toModelParts(
    userId: string,
    threadId: string,
    messages: UIMessage[],
    options: ModelFileOptions,
  ): Promise<UIMessage[]> {
    const wanted = messages.map((m) => ({ message: m, ids: attachmentIdsOf(m) }));
    const ids = [...new Set(wanted.flatMap((w) => w.ids))];
    const rows =
      ids.length === 0
        ? []
        : await db
            .select()
            .from(attachment)
            .where(and(eq(attachment.userId, userId), inArray(attachment.id, ids), isNotNull(attachment.storedAt)));
    const byId = new Map(rows.map((r) => [r.id, r]));
    const last = messages.at(-1);
    for (const { message, ids: own } of wanted) {
      for (const id of own) {
        const row = byId.get(id);
        const tiedHere = row?.threadId === threadId && row.messageId === message.id;
        if (!row || !(tiedHere || (message === last && row.messageId === null))) throw refused();
      }
    }
    const asText = (r: Attachment) => kindOf(r.mediaType) === "pdf" && !options.pdfAsFile;
    // Text as UTF-8, a file by its row (a text file's bytes are its text), any other part as its JSON.
    const partBytes = (p: UIMessage["parts"][number]) =>
      p.type === "file"
        ? 0
        : Buffer.byteLength(p.type === "text" || p.type === "reasoning" ? p.text : JSON.stringify(p));
    const inputBytes =
      messages.reduce((sum, m) => sum + m.parts.reduce((n, p) => n + partBytes(p), 0), 0) +
      rows.reduce((sum, r) => sum + (asText(r) ? Buffer.byteLength(r.text ?? "") : r.size), 0);
    if (inputBytes > limits.maxModelInputBytes) {
      throw new ApiError(
        "payload_too_large",
        `This conversation is too large to send to the model: ${inputBytes} bytes of text and files, at most ${limits.maxModelInputBytes}. Start a new thread or remove some attachments.`,
      );
    }
    if (rows.length === 0) return messages;
    type ModelPart = UIMessage["parts"][number];
    const converted = new Map<string, ModelPart>(
      await Promise.all(
        rows.map(async (r): Promise<[string, ModelPart]> => {
          if (asText(r))
            return [r.id, { type: "text", text: `Attached PDF "${r.name}" (its text):\n\n${r.text ?? ""}` }];
          const data = await storage().get(userId, r.id);
          if (!data) throw new ApiError("internal_error", "An attachment's file is missing from storage.");
          if (kindOf(r.mediaType) === "text")
            return [r.id, { type: "text", text: `Attached file "${r.name}":\n\n${decodeText(data) ?? ""}` }];
          return [
            r.id,
            {
              type: "file",
              mediaType: r.mediaType,
              filename: r.name,
              url: `data:${r.mediaType};base64,${Buffer.from(data).toString("base64")}`,
            },
          ];
        }),
      ),
    );
    return messages.map((m) => ({
      ...m,
      parts: m.parts.map((part) => (part.type === "file" ? converted.get(attachmentIdOf(part.url)!)! : part)),
    }));
  }

  /** Uploads never sent, and uploads that never finished, older than `hours`: rows and files. */
  async function removeOrphans(hours = limits.attachmentOrphanHours, now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - hours * 3_600_000);
    const gone = await db
      .delete(attachment)
      .where(and(isNull(attachment.messageId), lt(attachment.createdAt, cutoff)))
      .returning({ id: attachment.id, userId: attachment.userId });
    for (const [userId, files] of Map.groupBy(gone, (g) => g.userId))
      await storage().remove(
        userId,
        files.map((f) => f.id),
      );
    return gone.length;
  }

  /** At most every ten minutes per process, off the request path. */
  const pruneOrphansSoon = atMostEvery(600_000, () => removeOrphans(), "attachments: could not remove unsent uploads");

  return { uploadForUser, readForUser, deleteUnsentForUser, toModelParts, removeOrphans };
}

export const attachments = createAttachmentStore();
