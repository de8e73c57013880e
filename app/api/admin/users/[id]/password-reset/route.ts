import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { adminUsers } from "@/lib/admin/users";
import { requireAdmin } from "@/lib/http/caller";

type Context = { params: Promise<{ id: string }> };

/** Emails the person a link to choose a new password; the answer carries neither the link nor its token. */
export const POST = apiRoute(async (request: Request, { params }: Context) => {
  const admin = await requireAdmin(request);
  await adminUsers.sendPasswordReset(admin, (await params).id);
  return new Response(null, { status: 204 });
});

const otherMethod = methodNotAllowed("POST");
export { otherMethod as GET, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
