"use client";

import {
  AttachmentPrimitive,
  ComposerPrimitive,
  MessagePrimitive,
  useAui,
  useAuiState,
  type Attachment,
} from "@assistant-ui/react";
import { useEffect, useMemo } from "react";
import { formatSize, uploadIdOf } from "@/components/chat/attachment-adapter";
import { attachmentUrl } from "@/lib/shared/chat-messages";
import { Icon } from "./icon";

const urlOf = (attachment: Attachment) => {
  const id = uploadIdOf(attachment);
  return id && attachmentUrl(id);
};

/** A picture of a file being added: its own bytes while it uploads, the server's copy after. */
function usePreview(attachment: Attachment): string | undefined {
  const file = attachment.file;
  const local = useMemo(() => (file?.type.startsWith("image/") ? URL.createObjectURL(file) : undefined), [file]);
  useEffect(() => () => void (local && URL.revokeObjectURL(local)), [local]);
  return attachment.type === "image" ? (local ?? urlOf(attachment)) : undefined;
}

function ComposerChip({ attachment }: { attachment: Attachment }) {
  const preview = usePreview(attachment);
  const { status } = attachment;
  const size = attachment.file?.size;
  return (
    <AttachmentPrimitive.Root
      className={`flex max-w-64 items-center gap-2 rounded-lg border px-2 py-1 text-xs ${status.type === "incomplete" ? "border-red-300 bg-red-50 dark:border-red-800 dark:bg-red-950" : "border-zinc-200 bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-800"}`}
      aria-label={`Attachment ${attachment.name}`}
    >
      {preview ? (
        // eslint-disable-next-line @next/next/no-img-element -- a private upload or a local blob: nothing for next/image to optimise
        <img src={preview} alt="" className="size-8 shrink-0 rounded object-cover" />
      ) : (
        <span
          aria-hidden
          className="flex size-8 shrink-0 items-center justify-center rounded bg-zinc-200 text-[0.6rem] uppercase dark:bg-zinc-700"
        >
          {attachment.name.split(".").at(-1)?.slice(0, 4) ?? "file"}
        </span>
      )}
      <span className="min-w-0 flex-1">
        <span className="block truncate font-medium">{attachment.name}</span>
        {status.type === "running" ? (
          <span className="flex items-center gap-1 text-zinc-500 dark:text-zinc-400">
            <progress
              max={1}
              value={status.progress}
              aria-label={`Uploading ${attachment.name}`}
              className="h-1 w-16"
            />
            {Math.round(status.progress * 100)}%
          </span>
        ) : status.type === "incomplete" ? (
          <span role="alert" className="block text-red-700 dark:text-red-300">
            {status.message ?? "This file could not be added."}
          </span>
        ) : (
          size !== undefined && <span className="text-zinc-500 dark:text-zinc-400">{formatSize(size)}</span>
        )}
      </span>
      <AttachmentPrimitive.Remove
        aria-label={`Remove ${attachment.name}`}
        className="rounded p-1 text-zinc-500 dark:text-zinc-400 hover:bg-zinc-200 hover:text-zinc-900 dark:hover:bg-zinc-700 dark:hover:text-zinc-100"
      >
        ×
      </AttachmentPrimitive.Remove>
    </AttachmentPrimitive.Root>
  );
}

/** The files in a composer, each removable until the message is sent. */
export function ComposerAttachmentChips() {
  const count = useAuiState((s) => s.composer.attachments.length);
  if (count === 0) return null;
  return (
    <div className="flex flex-wrap gap-2 px-1 pb-2" role="group" aria-label="Attached files">
      <ComposerPrimitive.Attachments>
        {({ attachment }) => <ComposerChip attachment={attachment} />}
      </ComposerPrimitive.Attachments>
    </div>
  );
}

/** Disabled until the page is live: before that a click would open nothing. */
export function AttachButton({ className, disabled }: { className: string; disabled: boolean }) {
  return (
    <ComposerPrimitive.AddAttachment aria-label="Attach" title="Attach files" className={className} disabled={disabled}>
      <Icon>
        <path d="M21 12.5l-8.5 8.5a5 5 0 0 1-7-7L14 5.5a3.3 3.3 0 0 1 4.7 4.7L10.2 18.7a1.7 1.7 0 0 1-2.4-2.4L15.5 8.6" />
      </Icon>
    </ComposerPrimitive.AddAttachment>
  );
}

/** A sent file: an image as a thumbnail that opens full size, anything else as a named download link. */
export function SentFile({ name, mediaType, url }: { name: string; mediaType: string; url: string }) {
  if (mediaType.startsWith("image/")) {
    return (
      <a
        href={url}
        target="_blank"
        rel="noopener"
        title={`Open ${name} full size`}
        className="block overflow-hidden rounded-lg border border-zinc-200 dark:border-zinc-700"
      >
        {/* eslint-disable-next-line @next/next/no-img-element -- a private upload, served to its owner only */}
        <img src={url} alt={name} className="max-h-48 max-w-64 object-contain" />
      </a>
    );
  }
  return (
    <a
      href={url}
      download={name}
      className="flex items-center gap-2 rounded-lg border border-zinc-200 bg-white px-3 py-2 text-sm hover:bg-zinc-50 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800"
    >
      <span aria-hidden className="rounded bg-zinc-200 px-1 text-[0.6rem] uppercase dark:bg-zinc-700">
        {mediaType === "application/pdf" ? "pdf" : "text"}
      </span>
      {name}
    </a>
  );
}

function SentAttachment({ attachment }: { attachment: Attachment }) {
  const url = urlOf(attachment);
  return url ? <SentFile name={attachment.name} mediaType={attachment.contentType ?? ""} url={url} /> : null;
}

/** A sent message's files: images as thumbnails that open full size, other files as named links. */
export function MessageAttachments() {
  return (
    <div className="flex flex-wrap justify-end gap-2">
      <MessagePrimitive.Attachments>
        {({ attachment }) => <SentAttachment attachment={attachment} />}
      </MessagePrimitive.Attachments>
    </div>
  );
}

/**
 * An edit becomes a new message, and an upload belongs to the one message that sent it. So the
 * files of the message being edited are uploaded again as fresh copies: the edit can carry them
 * (or drop some) without taking them from the original, which stays as it was on its branch.
 */
export function useFreshCopiesForEdit() {
  const aui = useAui();
  useEffect(() => {
    const composer = aui.composer();
    const sent = composer.getState().attachments.filter((a) => a.status.type === "complete");
    if (sent.length === 0) return;
    let cancelled = false;
    void (async () => {
      await composer.clearAttachments();
      for (const attachment of sent) {
        const url = urlOf(attachment);
        if (!url || cancelled) continue;
        const blob = await fetch(url)
          .then((r) => (r.ok ? r.blob() : null))
          .catch(() => null);
        if (!blob || cancelled) continue;
        await composer.addAttachment(new File([blob], attachment.name, { type: blob.type })).catch(() => {});
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [aui]);
}
