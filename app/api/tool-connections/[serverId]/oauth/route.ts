import { methods, route } from "@/lib/http/route";
import { toolCatalog } from "@/lib/tools/catalog";
import { appOrigin, parseServerId } from "../../../admin/mcp-servers/schema";

type Params = { serverId: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * "Sign in to <server>": starts the server's OAuth flow for the caller (discovery, PKCE, the
   * client the admin set or one registered for this server) and answers the address to go to.
   * 404 a server the caller may not use or that is not per person.
   */
  POST: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const serverId = parseServerId(params.serverId);
    const { authorizationUrl } = await toolCatalog.startOAuthForUser(caller.user.id, serverId, appOrigin(request));
    return Response.json({ authorizationUrl });
  }),
});
