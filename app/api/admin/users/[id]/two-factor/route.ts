import { methods, route } from "@/lib/http/route";
import { adminUsers } from "@/lib/http/caller";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Turns off the person's two-factor (they lost their phone); their next password sign-in asks for no code until they set it up again. */
  DELETE: route<Params>({ auth: "admin" }, async ({ caller, params }) =>
    Response.json({ user: await adminUsers.resetTwoFactor(caller, params.id) }),
  ),
});
