import { requestOrigin } from "@/lib/admin/audit";
import { methods, route } from "@/lib/http/route";
import { readJsonBody } from "@/lib/http/validation";
import { toolCatalog } from "@/lib/tools/catalog";
import { parseServerId, updateServerBody, vetServerUrl } from "../schema";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * Changes a server's settings (a new address goes through the network guard again), turns it on
   * or off, and sets which of its listed tools are offered and with what policy. 404 an unknown server.
   */
  PATCH: route<Params>({ auth: "admin" }, async ({ request, caller, params }) => {
    const id = parseServerId(params.id);
    const patch = await readJsonBody(request, updateServerBody);
    if (patch.url !== undefined) await vetServerUrl(patch.url);
    const server = await toolCatalog.updateServer(caller.user.id, id, patch, requestOrigin(caller.headers));
    return Response.json({ server });
  }),

  /** Removes the server with its tools, every person's credential for it and every thread's switch. */
  DELETE: route<Params>({ auth: "admin" }, async ({ caller, params }) => {
    const id = parseServerId(params.id);
    await toolCatalog.deleteServer(caller.user.id, id, requestOrigin(caller.headers));
    return new Response(null, { status: 204 });
  }),
});
