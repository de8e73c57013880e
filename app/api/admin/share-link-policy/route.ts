import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { audit, requestOrigin } from "@/lib/admin/audit";
import { shareLinkPolicy } from "@/lib/sharing/policy";
import { shareLinkModes } from "@/lib/shared/share-links";
import { readJsonBody } from "@/lib/http/validation";

// null: back to SHARE_LINKS (or its default, signed-in).
const putBody = z.strictObject({ mode: z.enum(shareLinkModes).nullable() });

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  GET: route({ auth: "admin" }, async () => Response.json(await shareLinkPolicy.current())),

  /**
   * Who may open share links on this instance; an admin's choice wins over SHARE_LINKS until reset
   * with `{ "mode": null }`. It holds from the next request on, on every instance: `off` ends every
   * link, `signed-in` suspends the `anyone` links.
   */
  PUT: route({ auth: "admin" }, async ({ request, caller }) => {
    const { mode } = await readJsonBody(request, putBody);
    await shareLinkPolicy.setByAdmin(caller.user.id, mode);
    await audit.record({
      action: "share_link_policy_changed",
      actor: caller.user,
      detail: { mode: mode ?? `reset to ${shareLinkPolicy.environmentMode}` },
      ...requestOrigin(caller.headers),
    });
    return Response.json(await shareLinkPolicy.current());
  }),
});
