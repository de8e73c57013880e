import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { audit, decodeAuditCursor } from "@/lib/admin/audit";
import { cursorParam, parseOrThrow, queryParams } from "@/lib/http/validation";
import { managedWorkspaceId } from "@/lib/workspaces/manager-view";

type Params = { id: string };

const listQuery = z.strictObject({ after: cursorParam(decodeAuditCursor, 300).optional() });

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** The workspace's events, newest first, 50 a page, for its owners and admins; never a message. */
  GET: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const id = await managedWorkspaceId(caller.user.id, params.id);
    const { after } = parseOrThrow(listQuery, queryParams(request));
    return Response.json(await audit.listForWorkspaceManager(caller.user.id, id, after));
  }),
});
