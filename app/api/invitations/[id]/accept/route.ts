import { methods, route } from "@/lib/http/route";
import { workspaceActions } from "@/lib/http/caller";
import { parseAuthId } from "@/lib/http/validation";
import { invitationIdPattern } from "@/lib/workspaces/invitations";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * The signed-in person joins with the invited role, if the invitation is theirs (the invited
   * address, verified) and still pending; the session moves into the workspace.
   */
  POST: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const joined = await workspaceActions.accept(caller, parseAuthId(params.id, "Invitation", invitationIdPattern));
    await workspaceActions.switchTo(caller, joined.id);
    return Response.json(joined);
  }),
});
