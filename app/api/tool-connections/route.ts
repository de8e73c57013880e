import { methods, route } from "@/lib/http/route";
import { toolCatalog } from "@/lib/tools/catalog";

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** The per-person servers the caller may use, and whether their own account is connected to each (never a token). */
  GET: route({ auth: "user" }, async ({ caller }) =>
    Response.json({ servers: await toolCatalog.connectionsForUser(caller.user.id) }),
  ),
});
