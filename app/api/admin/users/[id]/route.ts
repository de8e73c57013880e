import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { adminUsers } from "@/lib/http/caller";
import { readJsonBody } from "@/lib/http/validation";

type Params = { id: string };

const patchBody = z
  .strictObject({
    role: z.enum(["admin", "user"]).optional(),
    // Input plus output tokens a month; null: the instance's TOKEN_QUOTA_PER_MONTH.
    tokenQuota: z.number().int().min(0).max(1e15).nullable().optional(),
  })
  .refine((b) => b.role !== undefined || b.tokenQuota !== undefined, "give a role or a tokenQuota");

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  GET: route<Params>({ auth: "admin" }, async ({ params }) => Response.json({ user: await adminUsers.get(params.id) })),

  /** A role and a monthly token quota, each checked on its own; the last admin stays admin. */
  PATCH: route<Params>({ auth: "admin" }, async ({ request, caller, params }) => {
    const id = params.id;
    const body = await readJsonBody(request, patchBody);
    let user = await adminUsers.get(id);
    if (body.role !== undefined && body.role !== user.role) user = await adminUsers.setRole(caller, id, body.role);
    if (body.tokenQuota !== undefined) user = await adminUsers.setQuota(caller, id, body.tokenQuota);
    return Response.json({ user });
  }),

  /** The account and everything of theirs; also how an admin rejects a pending sign-up. */
  DELETE: route<Params>({ auth: "admin" }, async ({ caller, params }) => {
    await adminUsers.remove(caller, params.id);
    return new Response(null, { status: 204 });
  }),
});
