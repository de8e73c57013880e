import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { audit, requestOrigin } from "@/lib/admin/audit";
import { signupModes } from "@/lib/shared/signup-modes";
import { signupPolicy } from "@/lib/admin/signup-policy";
import { readJsonBody } from "@/lib/http/validation";

// null: back to SIGNUP_MODE (or its default, open).
const putBody = z.strictObject({ mode: z.enum(signupModes).nullable() });

const policyJson = async () => {
  const { mode, source } = await signupPolicy.current();
  return {
    mode,
    source,
    environmentMode: signupPolicy.defaults.mode,
    emailDomains: [...signupPolicy.defaults.domains],
  };
};

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  GET: route({ auth: "admin" }, async () => Response.json(await policyJson())),

  /** The mode an admin picks is stored and wins over SIGNUP_MODE until reset with `{ "mode": null }`. */
  PUT: route({ auth: "admin" }, async ({ request, caller }) => {
    const { mode } = await readJsonBody(request, putBody);
    await signupPolicy.setModeByAdmin(caller.user.id, mode);
    await audit.record({
      action: "signup_mode_changed",
      actor: caller.user,
      detail: { mode: mode ?? `reset to ${signupPolicy.defaults.mode}` },
      ...requestOrigin(caller.headers),
    });
    return Response.json(await policyJson());
  }),
});
