import { z } from "zod";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { adminUsers } from "@/lib/admin/users";
import { requireAdmin } from "@/lib/http/caller";
import { readJsonBody } from "@/lib/http/validation";

type Context = { params: Promise<{ id: string }> };

const patchBody = z
  .strictObject({
    role: z.enum(["admin", "user"]).optional(),
    // Input plus output tokens a month; null: the instance's TOKEN_QUOTA_PER_MONTH.
    tokenQuota: z.number().int().min(0).max(1e15).nullable().optional(),
  })
  .refine((b) => b.role !== undefined || b.tokenQuota !== undefined, "give a role or a tokenQuota");

export const GET = apiRoute(async (request: Request, { params }: Context) => {
  await requireAdmin(request);
  return Response.json({ user: await adminUsers.get((await params).id) });
});

/** A role and a monthly token quota, each checked on its own; the last admin stays admin. */
export const PATCH = apiRoute(async (request: Request, { params }: Context) => {
  const admin = await requireAdmin(request);
  const id = (await params).id;
  const body = await readJsonBody(request, patchBody);
  let user = await adminUsers.get(id);
  if (body.role !== undefined && body.role !== user.role) user = await adminUsers.setRole(admin, id, body.role);
  if (body.tokenQuota !== undefined) user = await adminUsers.setQuota(admin, id, body.tokenQuota);
  return Response.json({ user });
});

/** The account and everything of theirs; also how an admin rejects a pending sign-up. */
export const DELETE = apiRoute(async (request: Request, { params }: Context) => {
  const admin = await requireAdmin(request);
  await adminUsers.remove(admin, (await params).id);
  return new Response(null, { status: 204 });
});

const otherMethod = methodNotAllowed("GET", "PATCH", "DELETE");
export { otherMethod as POST, otherMethod as PUT };
