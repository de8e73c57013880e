import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { workspaceActions } from "@/lib/http/caller";
import { parseAuthId, readJsonBody } from "@/lib/http/validation";

const putBody = z.strictObject({ workspaceId: z.string().max(200).nullable() });

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** The space the session works in (lists, search, new threads): a workspace of the caller's, or null for the personal one. */
  PUT: route({ auth: "user" }, async ({ request, caller }) => {
    const { workspaceId } = await readJsonBody(request, putBody);
    const target = workspaceId === null ? null : parseAuthId(workspaceId, "Workspace");
    return Response.json({ active: await workspaceActions.switchTo(caller, target) });
  }),
});
