import { methods, route } from "@/lib/http/route";
import { adminUsers } from "@/lib/http/caller";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Lets an account that signed up under SIGNUP_MODE=approval in. */
  POST: route<Params>({ auth: "admin" }, async ({ caller, params }) =>
    Response.json({ user: await adminUsers.approve(caller, params.id) }),
  ),
});
