import { requestOrigin } from "@/lib/admin/audit";
import { methods, route } from "@/lib/http/route";
import { readJsonBody } from "@/lib/http/validation";
import { toolCatalog } from "@/lib/tools/catalog";
import { createServerBody, vetServerUrl } from "./schema";

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Every connected MCP server with its tools and status; never a token or client secret, only whether one is set. */
  GET: route({ auth: "admin" }, async () => Response.json({ servers: await toolCatalog.listServers() })),

  /**
   * "Connect server": 201 the new server, contacted once to list its tools (a failure still saves it,
   * `failing` with the reason). 400 an address the network guard refuses (see MCP_ALLOWED_HOSTS),
   * 409 a name already in use. Streamable HTTP only: nothing here can start a program.
   */
  POST: route({ auth: "admin" }, async ({ request, caller }) => {
    const input = await readJsonBody(request, createServerBody);
    await vetServerUrl(input.url);
    const server = await toolCatalog.createServer(caller.user.id, input, requestOrigin(caller.headers));
    return Response.json({ server }, { status: 201 });
  }),
});
