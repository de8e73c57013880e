import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { workspaceActions } from "@/lib/http/caller";
import { parseAuthId, readJsonBody } from "@/lib/http/validation";
import { workspaceRoleNames } from "@/lib/shared/workspaces";

type Params = { id: string; memberId: string };

const roleBody = z.strictObject({ role: z.enum(workspaceRoleNames) });

/**
 * Who may do what is decided under the workspace's lock (lib/workspaces/workspaces.ts): owners
 * change anyone's role and remove anyone else; admins manage admins and members, never an owner,
 * and never make one; the last owner cannot step down (409 last_owner).
 */
export const { GET, POST, PUT, PATCH, DELETE } = methods({
  PATCH: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const workspaceId = parseAuthId(params.id, "Workspace");
    const memberId = parseAuthId(params.memberId, "Member");
    const { role } = await readJsonBody(request, roleBody);
    await workspaceActions.changeRole(caller, workspaceId, memberId, role);
    return new Response(null, { status: 204 });
  }),

  /** Someone else (to go yourself, leave): their threads there stay theirs, moved to their personal space, unshared. */
  DELETE: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const workspaceId = parseAuthId(params.id, "Workspace");
    await workspaceActions.removeMember(caller, workspaceId, parseAuthId(params.memberId, "Member"));
    return new Response(null, { status: 204 });
  }),
});
