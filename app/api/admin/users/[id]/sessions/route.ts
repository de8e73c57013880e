import { methods, route } from "@/lib/http/route";
import { adminUsers } from "@/lib/http/caller";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Signs the person out on every device; they may sign in again. */
  DELETE: route<Params>({ auth: "admin" }, async ({ caller, params }) => {
    await adminUsers.revokeSessions(caller, params.id);
    return new Response(null, { status: 204 });
  }),
});
