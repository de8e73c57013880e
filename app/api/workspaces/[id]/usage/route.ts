import { methods, route } from "@/lib/http/route";
import { managedWorkspaceId, notManager } from "@/lib/workspaces/manager-view";
import { workspaces } from "@/lib/workspaces/workspaces";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** This month's quota, tokens used and each member's messages and tokens: counts only, for owners and admins. */
  GET: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const id = await managedWorkspaceId(caller.user.id, params.id);
    const usage = await workspaces.usageForManager(caller.user.id, id);
    // Their role changed between the two reads.
    if (!usage) throw notManager();
    return Response.json(usage);
  }),
});
