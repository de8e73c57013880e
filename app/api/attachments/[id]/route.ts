import { ApiError, notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { kindOf } from "@/lib/attachments/types";
import { attachments } from "@/lib/attachments/attachments";
import { parseId } from "@/lib/http/validation";

type Params = { id: string };

/** RFC 6266: an ASCII fallback and the exact name in UTF-8. */
function disposition(kind: "inline" | "attachment", name: string) {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * The file, for its owner, and for a member its thread is shared with while its message is on
   * the shared branch (lib/attachments/attachments.ts); anyone else gets the 404 of a missing
   * file. Deleting stays the owner's. Its type is the one detected from its bytes, text is always
   * text/plain, and only images show in the page: the rest downloads. Nothing uploaded is ever
   * rendered as HTML or SVG, and the sandbox policy (next.config.ts) keeps even a mislabelled file inert.
   */
  GET: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const found = await attachments.readForUser(caller.user.id, parseId(params.id, "Attachment"));
    if (!found) throw notFound("Attachment");
    const { attachment, bytes } = found;
    const image = kindOf(attachment.type) === "image";
    return new Response(Buffer.from(bytes), {
      headers: {
        "content-type": attachment.type === "text/plain" ? "text/plain; charset=utf-8" : attachment.type,
        "content-length": String(bytes.byteLength),
        "content-disposition": disposition(image ? "inline" : "attachment", attachment.name),
        "cache-control": "private",
        "x-content-type-options": "nosniff",
      },
    });
  }),

  /** An upload not sent yet: 204. One that was sent stays with its message (409) until its thread is deleted. */
  DELETE: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const outcome = await attachments.deleteUnsentForUser(caller.user.id, parseId(params.id, "Attachment"));
    if (outcome === null) throw notFound("Attachment");
    if (outcome === "sent")
      throw new ApiError("conflict", "This file was sent with a message; it is deleted with its thread.");
    return new Response(null, { status: 204 });
  }),
});
