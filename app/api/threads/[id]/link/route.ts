import { z } from "zod";
import { ApiError, notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { requestOrigin } from "@/lib/admin/audit";
import { consumeChatMessage } from "@/lib/chat/rate-limit";
import { shareLinks } from "@/lib/sharing/share-links";
import { readLimitedBody } from "@/lib/http/request-body";
import { parseThreadId, readJsonBody } from "@/lib/http/validation";
import { shareAudiences } from "@/lib/shared/share-links";

type Params = { id: string };

const putBody = z.strictObject({ audience: z.enum(shareAudiences).optional() });
const patchBody = z.strictObject({ audience: z.enum(shareAudiences) });

/** PUT may come with no body at all (the default audience, or the link's own); a body is JSON like any other. */
async function readPutBody(request: Request): Promise<z.infer<typeof putBody>> {
  if (request.headers.has("content-type")) return readJsonBody(request, putBody);
  if ((await readLimitedBody(request)).byteLength === 0) return {};
  throw new ApiError("unsupported_media_type", "Send the body as JSON (Content-Type: application/json).");
}

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** The caller's own thread's link (null: none yet) and the audiences it may have now; 404 for any other thread. */
  GET: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const found = await shareLinks.linkForUser(caller.user.id, parseThreadId(params.id));
    if (!found) throw notFound();
    return Response.json(found);
  }),

  /**
   * "Share link" / "Update link": 201 a new link to a snapshot of the thread's current branch, or
   * 200 the same link with its snapshot replaced (the audience kept unless given). Counts like a
   * message against the chat rate limit, before any work. 400 an empty thread, 403 an audience
   * the instance does not allow now, 413 a snapshot over the copy limits.
   */
  PUT: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const id = parseThreadId(params.id);
    const { audience } = await readPutBody(request);
    await consumeChatMessage(caller.user.id);
    const shared = await shareLinks.shareForUser(caller.user.id, id, audience, requestOrigin(caller.headers));
    if (!shared) throw notFound();
    return Response.json(shared.link, { status: shared.created ? 201 : 200 });
  }),

  /** Who can open the link; the snapshot stays as it is. 404 when the thread has no link. */
  PATCH: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const id = parseThreadId(params.id);
    const { audience } = await readJsonBody(request, patchBody);
    const link = await shareLinks.setAudienceForUser(caller.user.id, id, audience, requestOrigin(caller.headers));
    if (!link) throw notFound("Link");
    return Response.json(link);
  }),

  /** Ends the link at once, on every instance; sharing again makes a new one with a new address. */
  DELETE: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const id = parseThreadId(params.id);
    if (!(await shareLinks.deleteForUser(caller.user.id, { threadId: id }, requestOrigin(caller.headers))))
      throw notFound("Link");
    return new Response(null, { status: 204 });
  }),
});
