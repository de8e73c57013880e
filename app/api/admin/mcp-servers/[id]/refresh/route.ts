import { requestOrigin } from "@/lib/admin/audit";
import { methods, route } from "@/lib/http/route";
import { toolCatalog } from "@/lib/tools/catalog";
import { parseServerId } from "../../schema";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * "Refresh tools": lists the server's tools again and pins what it lists (a tool it no longer
   * lists is removed; new ones start not offered; one whose definition changed is no longer offered
   * and asks in every thread again). The server's status says how that went. 404 an unknown
   * server; 409 when its address or authentication changed while its tools were listed.
   */
  POST: route<Params>({ auth: "admin" }, async ({ caller, params }) => {
    const server = await toolCatalog.refreshServerTools(
      caller.user.id,
      parseServerId(params.id),
      requestOrigin(caller.headers),
    );
    return Response.json({ server });
  }),
});
