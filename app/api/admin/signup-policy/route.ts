import { z } from "zod";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { audit, requestOrigin } from "@/lib/admin/audit";
import { requireAdmin } from "@/lib/http/caller";
import { signupModes } from "@/lib/shared/signup-modes";
import { signupPolicy } from "@/lib/admin/signup-policy";
import { readJsonBody } from "@/lib/http/validation";

// null: back to SIGNUP_MODE (or its default, open).
const putBody = z.strictObject({ mode: z.enum(signupModes).nullable() });

const policyJson = async () => {
  const { mode, source } = await signupPolicy.current();
  return { mode, source, environmentMode: signupPolicy.defaults.mode, emailDomains: [...signupPolicy.defaults.domains] };
};

export const GET = apiRoute(async (request: Request) => {
  await requireAdmin(request);
  return Response.json(await policyJson());
});

/** The mode an admin picks is stored and wins over SIGNUP_MODE until reset with `{ "mode": null }`. */
export const PUT = apiRoute(async (request: Request) => {
  const admin = await requireAdmin(request);
  const { mode } = await readJsonBody(request, putBody);
  await signupPolicy.setModeByAdmin(admin.user.id, mode);
  await audit.record({
    action: "signup_mode_changed",
    actor: admin.user,
    detail: { mode: mode ?? `reset to ${signupPolicy.defaults.mode}` },
    ...requestOrigin(admin.headers),
  });
  return Response.json(await policyJson());
});

const otherMethod = methodNotAllowed("GET", "PUT");
export { otherMethod as POST, otherMethod as PATCH, otherMethod as DELETE };
