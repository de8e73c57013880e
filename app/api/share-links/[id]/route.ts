import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { requestOrigin } from "@/lib/admin/audit";
import { shareLinks } from "@/lib/sharing/share-links";
import { parseLinkId } from "@/lib/http/validation";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Ends one of the caller's links (from /account); anyone else's is the 404 of a missing one. */
  DELETE: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const linkId = parseLinkId(params.id);
    if (!(await shareLinks.deleteForUser(caller.user.id, { linkId }, requestOrigin(caller.headers))))
      throw notFound("Link");
    return new Response(null, { status: 204 });
  }),
});
