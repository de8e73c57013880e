import { z } from "zod";
import { notFound } from "@/lib/http/errors";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { audit, requestOrigin } from "@/lib/admin/audit";
import { invitations } from "@/lib/admin/invitations";
import { requireAdmin } from "@/lib/http/caller";

type Context = { params: Promise<{ id: string }> };

/** Revokes the invitation: its link stops working at once; its row stays, marked revoked. */
export const DELETE = apiRoute(async (request: Request, { params }: Context) => {
  const admin = await requireAdmin(request);
  const id = (await params).id;
  if (!z.uuid().safeParse(id).success || !(await invitations.revoke(id))) throw notFound("Invitation");
  await audit.record({ action: "invitation_revoked", actor: admin.user, detail: { invitation: id }, ...requestOrigin(admin.headers) });
  return new Response(null, { status: 204 });
});

const otherMethod = methodNotAllowed("DELETE");
export { otherMethod as GET, otherMethod as POST, otherMethod as PUT, otherMethod as PATCH };
