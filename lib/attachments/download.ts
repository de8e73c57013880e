import { kindOf } from "@/lib/attachments/types";

/** RFC 6266: an ASCII fallback and the exact name in UTF-8. */
export function disposition(kind: "inline" | "attachment", name: string) {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

/**
 * The headers of a stored file served to a browser: its type as detected from its bytes (text is
 * always text/plain), shown in the page only when it is an image, otherwise downloaded, and never
 * sniffed into something else. Where it is served from adds its own caching rule and the sandbox
 * policy (next.config.ts).
 */
export function fileHeaders(file: { name: string; type: string; size: number }): Record<string, string> {
  return {
    "content-type": file.type === "text/plain" ? "text/plain; charset=utf-8" : file.type,
    "content-length": String(file.size),
    "content-disposition": disposition(kindOf(file.type) === "image" ? "inline" : "attachment", file.name),
    "x-content-type-options": "nosniff",
  };
}

/**
 * A stored file's bytes as a response body, with no copy of ours (the Response takes its own):
 * every storage hands out views of plain ArrayBuffers, never shared memory, which is all the
 * cast asserts.
 */
export const responseBody = (bytes: Uint8Array): Uint8Array<ArrayBuffer> => bytes as Uint8Array<ArrayBuffer>;
