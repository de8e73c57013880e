import { z } from "zod";
import { ApiError, notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { workspaceActions } from "@/lib/http/caller";
import { parseAuthId, readJsonBody, workspaceNameSchema } from "@/lib/http/validation";
import { workspaces } from "@/lib/workspaces/workspaces";
import { managesMembers } from "@/lib/shared/workspaces";

type Params = { id: string };

const patchBody = z
  .strictObject({
    name: workspaceNameSchema.optional(),
    // Input + output tokens a month for the whole workspace; null: no limit.
    tokenQuota: z.number().int().min(0).max(1e12).nullable().optional(),
  })
  .refine((b) => b.name !== undefined || b.tokenQuota !== undefined, "give a name or a tokenQuota");

/** The settings page's data; a non-member gets the 404 a missing workspace gets. */
async function details(userId: string, workspaceId: string) {
  const found = await workspaces.detailsForMember(userId, workspaceId);
  if (!found) throw notFound("Workspace");
  return Response.json(found);
}

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  GET: route<Params>({ auth: "user" }, async ({ caller, params }) =>
    details(caller.user.id, parseAuthId(params.id, "Workspace")),
  ),

  /** Rename: owners and admins; the quota: owners. Both are checked before either is written, so a refusal changes nothing. */
  PATCH: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const workspaceId = parseAuthId(params.id, "Workspace");
    const body = await readJsonBody(request, patchBody);
    const own = await workspaces.membershipForUser(caller.user.id, { id: workspaceId });
    if (!own) throw notFound("Workspace");
    if (body.tokenQuota !== undefined && own.role !== "owner")
      throw new ApiError("forbidden", "Only the workspace's owners can set its quota.");
    if (body.name !== undefined && !managesMembers(own.role))
      throw new ApiError("forbidden", "Only the workspace's owners and admins can rename it.");
    if (body.tokenQuota !== undefined) await workspaceActions.setQuota(caller, workspaceId, body.tokenQuota);
    if (body.name !== undefined) await workspaceActions.rename(caller, workspaceId, body.name);
    return details(caller.user.id, workspaceId);
  }),

  /** Owners only. Its threads move to their authors' personal spaces, private. */
  DELETE: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    await workspaceActions.remove(caller, parseAuthId(params.id, "Workspace"));
    return new Response(null, { status: 204 });
  }),
});
