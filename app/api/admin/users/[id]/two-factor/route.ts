import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { adminUsers } from "@/lib/admin/users";
import { requireAdmin } from "@/lib/http/caller";

type Context = { params: Promise<{ id: string }> };

/** Turns off the person's two-factor (they lost their phone); their next password sign-in asks for no code until they set it up again. */
export const DELETE = apiRoute(async (request: Request, { params }: Context) => {
  const admin = await requireAdmin(request);
  return Response.json({ user: await adminUsers.resetTwoFactor(admin, (await params).id) });
});

const otherMethod = methodNotAllowed("DELETE");
export { otherMethod as GET, otherMethod as POST, otherMethod as PUT, otherMethod as PATCH };
