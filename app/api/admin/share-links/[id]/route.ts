import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { requestOrigin } from "@/lib/admin/audit";
import { shareLinks } from "@/lib/sharing/share-links";
import { parseLinkId } from "@/lib/http/validation";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Ends anyone's link (a reported one), at once on every instance; audited with `by: "admin"`. */
  DELETE: route<Params>({ auth: "admin" }, async ({ caller, params }) => {
    const linkId = parseLinkId(params.id);
    if (!(await shareLinks.deleteByAdmin(caller.user.id, linkId, requestOrigin(caller.headers))))
      throw notFound("Link");
    return new Response(null, { status: 204 });
  }),
});
