import "server-only";
import type { FileHandle } from "node:fs/promises";
import { ApiError } from "@/lib/http/errors";

// Room for the multipart boundaries and part headers around the file.
const multipartOverhead = 64 * 1024;
const maxPartHeaderBytes = 8 * 1024;

const malformed = (why: string) => new ApiError("bad_request", `Invalid request: the multipart body ${why}.`);

/** The boundary of a `multipart/form-data` body (RFC 2046: 1–70 characters), or 415. */
export function multipartBoundary(contentType: string | null): string {
  const type = contentType ?? "";
  const boundary = /^multipart\/form-data\s*;(?:.*;)?\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(type);
  if (!boundary) {
    throw new ApiError("unsupported_media_type", 'Send the file as multipart/form-data, in the field "file".');
  }
  return boundary[1] ?? boundary[2];
}

/**
 * Streams the one file of a multipart body (the field `file`, as the attachment upload takes it)
 * into `file`, never holding more than a chunk: 413 once it passes `maxBytes` (declared or
 * streamed, without reading the rest), 400 for any other field, a second part, or a body that is
 * not well-formed multipart, 408 once `idleMs` pass without a byte (a stalled or slow-loris upload
 * would otherwise hold the person's import, and a temporary file, for as long as it likes).
 * Returns the file's size.
 */
export async function receiveMultipartFile(
  request: Request,
  file: FileHandle,
  maxBytes: number,
  idleMs = 60_000,
): Promise<number> {
  const boundary = multipartBoundary(request.headers.get("content-type"));
  const tooLarge = () =>
    new ApiError("payload_too_large", `The file is larger than ${maxBytes} bytes, the most one import may hold.`);
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes + multipartOverhead) throw tooLarge();
  if (!request.body) throw malformed("is empty");
  const reader = request.body.getReader();
  const read = async () => {
    let timer: NodeJS.Timeout | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ApiError(
              "request_timeout",
              `The upload stalled: nothing arrived for ${Math.round(idleMs / 1000)} seconds. Try again.`,
            ),
          ),
        idleMs,
      );
    });
    try {
      return await Promise.race([reader.read(), stalled]);
    } finally {
      clearTimeout(timer);
    }
  };
  const opening = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  let state: "preamble" | "headers" | "data" | "after" = "preamble";
  let pending: Buffer = Buffer.alloc(0);
  let size = 0;
  let parts = 0;
  const write = async (bytes: Buffer) => {
    if (bytes.length === 0) return;
    size += bytes.length;
    if (size > maxBytes) throw tooLarge();
    await file.write(bytes);
  };
  try {
    for (;;) {
      const { done, value } = await read();
      if (value) pending = pending.length === 0 ? Buffer.from(value) : Buffer.concat([pending, value]);
      // Each pass either moves to the next state or needs more bytes.
      for (let progressed = true; progressed;) {
        progressed = false;
        if (state === "preamble") {
          const at = pending.indexOf(opening);
          if (at < 0) {
            if (pending.length > maxPartHeaderBytes) throw malformed("does not start with its boundary");
          } else {
            pending = pending.subarray(at + opening.length);
            state = "headers";
            progressed = true;
          }
        } else if (state === "headers") {
          const end = pending.indexOf("\r\n\r\n");
          if (end < 0) {
            if (pending.length > maxPartHeaderBytes) throw malformed("has a part header that is too long");
          } else {
            // Right after a boundary: "\r\n" then the part's headers (or "--": the end, with no file).
            if (pending.subarray(0, 2).toString() === "--") throw malformed('holds no file in the field "file"');
            const headers = pending.subarray(0, end).toString("latin1");
            const disposition = /^content-disposition:\s*form-data\s*;(.*)$/im.exec(headers)?.[1] ?? "";
            const name = /(?:^|;)\s*name="([^"]*)"/i.exec(disposition)?.[1];
            if (name !== "file" || ++parts > 1) {
              throw new ApiError("bad_request", 'Invalid request: send exactly one file, in the field "file".');
            }
            pending = pending.subarray(end + 4);
            state = "data";
            progressed = true;
          }
        } else if (state === "data") {
          const at = pending.indexOf(delimiter);
          if (at < 0) {
            // Everything but a possible start of the delimiter is the file's.
            const keep = Math.min(pending.length, delimiter.length - 1);
            await write(pending.subarray(0, pending.length - keep));
            pending = Buffer.from(pending.subarray(pending.length - keep));
          } else {
            await write(pending.subarray(0, at));
            pending = pending.subarray(at + delimiter.length);
            state = "after";
            progressed = true;
          }
        } else if (state === "after" && pending.length >= 2) {
          // "--" closes the body; anything else is a second part.
          if (pending.subarray(0, 2).toString() !== "--") {
            throw new ApiError("bad_request", 'Invalid request: send exactly one file, in the field "file".');
          }
          await reader.cancel();
          return size;
        }
      }
      if (done) break;
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  }
  throw malformed("ends before its closing boundary");
}
