import { ApiError } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { attachments } from "@/lib/attachments/attachments";
import { consumeChatMessage } from "@/lib/chat/rate-limit";
import { limits } from "@/lib/http/limits";
import { readLimitedBody } from "@/lib/http/request-body";

// Room for the multipart boundaries and part headers around a file of the largest allowed size.
const multipartOverhead = 64 * 1024;

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** One file, in the multipart field `file`: 201 { id, name, type, size }. */
  POST: route({ auth: "user" }, async ({ request, caller }) => {
    const contentType = request.headers.get("content-type") ?? "";
    if (!/^multipart\/form-data\s*;/i.test(contentType)) {
      throw new ApiError("unsupported_media_type", 'Send the file as multipart/form-data, in the field "file".');
    }
    // An upload counts like a message, so uploads cannot be used to get around the chat limits.
    await consumeChatMessage(caller.user.id);
    const body = await readLimitedBody(request, limits.maxAttachmentBytes + multipartOverhead);
    const form = await new Response(body, { headers: { "content-type": contentType } }).formData().catch(() => {
      throw new ApiError("bad_request", "Invalid request: the multipart body could not be read.");
    });
    const files = form.getAll("file");
    if (files.length !== 1 || typeof files[0] === "string") {
      throw new ApiError("bad_request", 'Invalid request: send exactly one file, in the field "file".');
    }
    const file = files[0];
    // Size (413), emptiness (400) and type (415) are checked by the data layer, on the bytes.
    const uploaded = await attachments.uploadForUser(caller.user.id, {
      name: file.name,
      bytes: new Uint8Array(await file.arrayBuffer()),
    });
    return Response.json(uploaded, { status: 201 });
  }),
});
