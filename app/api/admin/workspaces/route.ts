import { methods, route } from "@/lib/http/route";
import { workspaces } from "@/lib/workspaces/workspaces";

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Every workspace with its member count and this month's messages and tokens; never a thread. */
  GET: route({ auth: "admin" }, async () => Response.json({ workspaces: await workspaces.overviewForAdmin() })),
});
