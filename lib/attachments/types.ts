/**
 * What an uploaded file is, decided from its bytes alone: the name and the declared content type
 * are the uploader's to choose, so neither counts. Images and PDFs by their signature, text by
 * being valid UTF-8 without NUL characters. Anything else is refused.
 */

export type AttachmentKind = "image" | "pdf" | "text";
export type DetectedType = { kind: AttachmentKind; mediaType: string };

const startsWith = (bytes: Uint8Array, signature: readonly number[], at = 0) =>
  bytes.length >= at + signature.length && signature.every((b, i) => bytes[at + i] === b);

const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));

const signatures: { mediaType: string; kind: AttachmentKind; matches: (bytes: Uint8Array) => boolean }[] = [
  {
    mediaType: "image/png",
    kind: "image",
    matches: (b) => startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  },
  { mediaType: "image/jpeg", kind: "image", matches: (b) => startsWith(b, [0xff, 0xd8, 0xff]) },
  {
    mediaType: "image/gif",
    kind: "image",
    matches: (b) => startsWith(b, ascii("GIF87a")) || startsWith(b, ascii("GIF89a")),
  },
  {
    mediaType: "image/webp",
    kind: "image",
    matches: (b) => startsWith(b, ascii("RIFF")) && startsWith(b, ascii("WEBP"), 8),
  },
  { mediaType: "application/pdf", kind: "pdf", matches: (b) => startsWith(b, ascii("%PDF-")) },
];

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The text of a file that is valid UTF-8 with no NUL; undefined for anything binary. */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Undefined: not a kind this app takes. */
export function detectAttachmentType(bytes: Uint8Array): DetectedType | undefined {
  const signed = signatures.find((s) => s.matches(bytes));
  if (signed) return { kind: signed.kind, mediaType: signed.mediaType };
  // Markdown, CSV, JSON, source code: all served and sent as plain text, never as HTML or SVG.
  if (decodeText(bytes) !== undefined) return { kind: "text", mediaType: "text/plain" };
  return undefined;
}

export const kindOf = (mediaType: string): AttachmentKind =>
  mediaType.startsWith("image/") ? "image" : mediaType === "application/pdf" ? "pdf" : "text";

/**
 * A name safe to store and show: the last path segment only, no control or bidi-override
 * characters, at most 200 characters; "file" when nothing is left.
 */
export function cleanFileName(name: string): string {
  const base = name.normalize("NFC").split(/[/\\]/).at(-1) ?? "";
  const visible = base.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, "").trim();
  const cut = [...visible].slice(0, 200).join("");
  return cut === "" || cut === "." || cut === ".." ? "file" : cut;
}
