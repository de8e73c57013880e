import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { adminUsers } from "@/lib/admin/users";
import { requireAdmin } from "@/lib/http/caller";

type Context = { params: Promise<{ id: string }> };

/** Signs the person out on every device; they may sign in again. */
export const DELETE = apiRoute(async (request: Request, { params }: Context) => {
  const admin = await requireAdmin(request);
  await adminUsers.revokeSessions(admin, (await params).id);
  return new Response(null, { status: 204 });
});

const otherMethod = methodNotAllowed("DELETE");
export { otherMethod as GET, otherMethod as POST, otherMethod as PUT, otherMethod as PATCH };
