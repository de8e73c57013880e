import { ApiError } from "@/lib/http/errors";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { attachments } from "@/lib/attachments/attachments";
import { consumeChatMessage } from "@/lib/chat/rate-limit";
import { limits } from "@/lib/http/limits";
import { readLimitedBody } from "@/lib/http/request-body";
import { requireSession } from "@/lib/http/caller";

// Room for the multipart boundaries and part headers around a file of the largest allowed size.
const multipartOverhead = 64 * 1024;

/** One file, in the multipart field `file`: 201 { id, name, type, size }. */
export const POST = apiRoute(async (request: Request) => {
  const session = await requireSession(request.headers);
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\s*;/i.test(contentType)) {
    throw new ApiError("unsupported_media_type", "Send the file as multipart/form-data, in the field \"file\".");
  }
  // An upload counts like a message, so uploads cannot be used to get around the chat limits.
  await consumeChatMessage(session.user.id);
  const body = await readLimitedBody(request, limits.maxAttachmentBytes + multipartOverhead);
  const form = await new Response(body, { headers: { "content-type": contentType } }).formData().catch(() => {
    throw new ApiError("bad_request", "Invalid request: the multipart body could not be read.");
  });
  const files = form.getAll("file");
  if (files.length !== 1 || typeof files[0] === "string") {
    throw new ApiError("bad_request", "Invalid request: send exactly one file, in the field \"file\".");
  }
  const file = files[0];
  // Size (413), emptiness (400) and type (415) are checked by the data layer, on the bytes.
  const uploaded = await attachments.uploadForUser(session.user.id, { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
  return Response.json(uploaded, { status: 201 });
});

const otherMethod = methodNotAllowed("POST");
export { otherMethod as GET, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
