import { methods, route } from "@/lib/http/route";
import { workspaceActions } from "@/lib/http/caller";
import { parseAuthId } from "@/lib/http/validation";
import { invitationIdPattern } from "@/lib/workspaces/invitations";

type Params = { id: string; invitationId: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Owners and admins revoke a pending invitation: its link stops working at once. */
  DELETE: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const workspaceId = parseAuthId(params.id, "Workspace");
    const invitationId = parseAuthId(params.invitationId, "Invitation", invitationIdPattern);
    await workspaceActions.revokeInvitation(caller, workspaceId, invitationId);
    return new Response(null, { status: 204 });
  }),
});
