import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { workspaceActions } from "@/lib/http/caller";
import { readJsonBody, workspaceNameSchema } from "@/lib/http/validation";
import { workspaceCreationPolicy } from "@/lib/workspaces/creation-policy";
import { workspaces } from "@/lib/workspaces/workspaces";
import { workspaceSlugPattern } from "@/lib/shared/workspaces";

const createBody = z.strictObject({
  name: workspaceNameSchema,
  slug: z.string().max(40).regex(workspaceSlugPattern, "must be 2–40 lowercase letters, digits and single hyphens"),
});

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** The caller's workspaces, the one the session is in (null: the personal space), and whether they may make one. */
  GET: route({ auth: "user" }, async ({ caller }) =>
    Response.json({
      workspaces: await workspaces.listForUser(caller.user.id),
      active: caller.workspace,
      canCreate: await workspaceCreationPolicy.mayCreate(caller.user),
    }),
  ),

  /** The caller becomes its owner, and the session moves into it (better-auth's organization plugin does both). */
  POST: route({ auth: "user" }, async ({ request, caller }) => {
    const body = await readJsonBody(request, createBody);
    return Response.json(await workspaceActions.create(caller, body), { status: 201 });
  }),
});
