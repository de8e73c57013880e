import type { AttachmentAdapter, PendingAttachment } from "@assistant-ui/react";
import { api } from "@/lib/client/api-client";
import { attachmentIdOf, attachmentUrl, toAttachment } from "@/lib/shared/chat-messages";

export type AttachmentLimits = { maxBytes: number; maxCount: number };

const megabytes = (bytes: number) => `${Math.round((bytes / 1_048_576) * 10) / 10} MB`;

/** Readable size for a chip: "812 B", "14 KB", "3.2 MB". */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1_048_576) return `${Math.round(bytes / 1024)} KB`;
  return megabytes(bytes);
}

/** The upload a pending or sent attachment names, once it has one. */
export const uploadIdOf = (attachment: { content?: readonly { type: string; data?: unknown }[] }) =>
  attachmentIdOf(attachment.content?.find((part) => part.type === "file")?.data);

/**
 * Files go to the server as soon as they are added (POST /api/attachments), with progress, so
 * sending is instant and a refused file is known before the message is written. The server
 * decides what a file is from its bytes: every file is offered to it, none filtered by name here.
 */
export function createAttachmentAdapter(limits: AttachmentLimits): AttachmentAdapter {
  // The files in the composer now: added, and not yet sent or removed.
  const inComposer = new Set<string>();
  return {
    accept: "*",
    async *add({ file }) {
      const type = file.type.startsWith("image/") ? "image" : file.type === "application/pdf" ? "document" : "file";
      const pending: PendingAttachment = {
        id: crypto.randomUUID(),
        type,
        name: file.name,
        contentType: file.type || undefined,
        file,
        status: { type: "running", reason: "uploading", progress: 0 },
      };
      yield pending;
      inComposer.add(pending.id);
      if (inComposer.size > limits.maxCount) throw new Error(`A message can carry at most ${limits.maxCount} files.`);
      if (file.size > limits.maxBytes)
        throw new Error(`${file.name} is ${megabytes(file.size)}; files can be at most ${megabytes(limits.maxBytes)}.`);
      if (file.size === 0) throw new Error(`${file.name} is empty.`);
      // Progress events arrive from the request; the generator hands each on as it comes. A chip
      // removed while uploading ends the generator early, and that cancels the request.
      const cancel = new AbortController();
      const updates: number[] = [];
      let wake: () => void = () => {};
      let finished = false;
      const upload = api.uploadAttachment(
        file,
        (fraction) => {
          updates.push(fraction);
          wake();
        },
        cancel.signal,
      );
      void upload.then(
        () => ((finished = true), wake()),
        () => ((finished = true), wake()),
      );
      try {
        for (;;) {
          if (updates.length === 0 && !finished) await new Promise<void>((resolve) => (wake = resolve));
          if (finished) break;
          const progress = updates.splice(0).at(-1);
          if (progress !== undefined) yield { ...pending, status: { type: "running", reason: "uploading", progress } };
        }
      } finally {
        if (!finished) cancel.abort();
      }
      const uploaded = await upload;
      const complete = toAttachment({
        id: uploaded.id,
        name: uploaded.name,
        mediaType: uploaded.type,
        url: attachmentUrl(uploaded.id),
      });
      // The local id stays: the composer knows the attachment by it.
      yield {
        ...pending,
        type: complete.type,
        contentType: uploaded.type,
        content: complete.content,
        status: { type: "requires-action", reason: "composer-send" },
      };
    },
    async send(attachment) {
      inComposer.delete(attachment.id);
      if (!uploadIdOf(attachment)) throw new Error(`${attachment.name} was not uploaded.`);
      return { ...attachment, status: { type: "complete" }, content: attachment.content ?? [] };
    },
    async remove(attachment) {
      inComposer.delete(attachment.id);
      const id = uploadIdOf(attachment);
      // Removed before it was sent: the upload goes too (a failed or unfinished one has none).
      if (id) await api.deleteAttachment(id).catch(() => {});
    },
  };
}
