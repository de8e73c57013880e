import { methods, route } from "@/lib/http/route";
import { workspaceActions } from "@/lib/http/caller";
import { parseAuthId } from "@/lib/http/validation";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** The caller's threads there move to their personal space, unshared; the last owner cannot leave (409 last_owner). */
  POST: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    await workspaceActions.leave(caller, parseAuthId(params.id, "Workspace"));
    return new Response(null, { status: 204 });
  }),
});
