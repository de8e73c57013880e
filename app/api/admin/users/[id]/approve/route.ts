import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { adminUsers } from "@/lib/admin/users";
import { requireAdmin } from "@/lib/http/caller";

type Context = { params: Promise<{ id: string }> };

/** Lets an account that signed up under SIGNUP_MODE=approval in. */
export const POST = apiRoute(async (request: Request, { params }: Context) => {
  const admin = await requireAdmin(request);
  return Response.json({ user: await adminUsers.approve(admin, (await params).id) });
});

const otherMethod = methodNotAllowed("POST");
export { otherMethod as GET, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
