import { methods, route } from "@/lib/http/route";
import { shareLinks } from "@/lib/sharing/share-links";

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Every link of the caller's, newest snapshot first (what /account lists). */
  GET: route({ auth: "user" }, async ({ caller }) =>
    Response.json({ links: await shareLinks.listForUser(caller.user.id) }),
  ),
});
