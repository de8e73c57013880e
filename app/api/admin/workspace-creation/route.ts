import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { audit, requestOrigin } from "@/lib/admin/audit";
import { workspaceCreationModes } from "@/lib/shared/workspaces";
import { workspaceCreationPolicy } from "@/lib/workspaces/creation-policy";
import { readJsonBody } from "@/lib/http/validation";

// null: back to WORKSPACE_CREATION (or its default, everyone).
const putBody = z.strictObject({ mode: z.enum(workspaceCreationModes).nullable() });

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  GET: route({ auth: "admin" }, async () => Response.json(await workspaceCreationPolicy.current())),

  /** Who may create workspaces; an admin's choice wins over WORKSPACE_CREATION until reset with `{ "mode": null }`. */
  PUT: route({ auth: "admin" }, async ({ request, caller }) => {
    const { mode } = await readJsonBody(request, putBody);
    await workspaceCreationPolicy.setByAdmin(caller.user.id, mode);
    await audit.record({
      action: "workspace_creation_changed",
      actor: caller.user,
      detail: { mode: mode ?? `reset to ${workspaceCreationPolicy.environmentMode}` },
      ...requestOrigin(caller.headers),
    });
    return Response.json(await workspaceCreationPolicy.current());
  }),
});
