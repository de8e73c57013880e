import { ApiError, notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { fileHeaders, responseBody } from "@/lib/attachments/download";
import { attachments } from "@/lib/attachments/attachments";
import { parseId } from "@/lib/http/validation";

type Params = { id: string };

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
    return new Response(responseBody(bytes), {
      headers: {
        ...fileHeaders({ name: attachment.name, type: attachment.type, size: bytes.byteLength }),
        "cache-control": "private",
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
