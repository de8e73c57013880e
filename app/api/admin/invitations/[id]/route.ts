import { z } from "zod";
import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { audit, requestOrigin } from "@/lib/admin/audit";
import { invitations } from "@/lib/admin/invitations";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Revokes the invitation: its link stops working at once; its row stays, marked revoked. */
  DELETE: route<Params>({ auth: "admin" }, async ({ caller, params }) => {
    const id = params.id;
    if (!z.uuid().safeParse(id).success || !(await invitations.revoke(id))) throw notFound("Invitation");
    await audit.record({
      action: "invitation_revoked",
      actor: caller.user,
      detail: { invitation: id },
      ...requestOrigin(caller.headers),
    });
    return new Response(null, { status: 204 });
  }),
});
