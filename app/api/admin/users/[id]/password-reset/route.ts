import { methods, route } from "@/lib/http/route";
import { adminUsers } from "@/lib/http/caller";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Emails the person a link to choose a new password; the answer carries neither the link nor its token. */
  POST: route<Params>({ auth: "admin" }, async ({ caller, params }) => {
    await adminUsers.sendPasswordReset(caller, params.id);
    return new Response(null, { status: 204 });
  }),
});
