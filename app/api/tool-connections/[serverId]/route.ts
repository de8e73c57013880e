import { z } from "zod";
import { requestOrigin } from "@/lib/admin/audit";
import { methods, route } from "@/lib/http/route";
import { readJsonBody } from "@/lib/http/validation";
import { toolLimits } from "@/lib/shared/tools";
import { toolCatalog } from "@/lib/tools/catalog";
import { parseServerId, secretText } from "../../admin/mcp-servers/schema";

type Params = { serverId: string };

const putBody = z.strictObject({ token: secretText(toolLimits.tokenMaxChars) });

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * "Save token": the caller's own access token for a per-person server, stored encrypted and never
   * sent back. 404 a server the caller may not use (or one that is not per person).
   */
  PUT: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const serverId = parseServerId(params.serverId);
    const { token } = await readJsonBody(request, putBody);
    return Response.json(
      await toolCatalog.saveTokenForUser(caller.user.id, serverId, token, requestOrigin(caller.headers)),
    );
  }),

  /** "Disconnect": forgets the caller's credential for the server (token or OAuth). 404 "Connection not found." when there is none. */
  DELETE: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const serverId = parseServerId(params.serverId);
    await toolCatalog.deleteConnectionForUser(caller.user.id, serverId, requestOrigin(caller.headers));
    return new Response(null, { status: 204 });
  }),
});
