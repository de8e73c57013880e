import { z } from "zod";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { adminUsers } from "@/lib/admin/users";
import { requireAdmin } from "@/lib/http/caller";
import { readJsonBody, storableText } from "@/lib/http/validation";

type Context = { params: Promise<{ id: string }> };

const banBody = z.strictObject({
  // Shown to them when they try to sign in.
  reason: storableText(500).optional(),
  expiresAt: z.iso
    .datetime({ offset: true })
    .transform((s) => new Date(s))
    .refine((d) => d.getTime() > Date.now(), "must be in the future")
    .optional(),
});

/** Signs the person out everywhere and refuses them on every route until unbanned or `expiresAt`. */
export const POST = apiRoute(async (request: Request, { params }: Context) => {
  const admin = await requireAdmin(request);
  const id = (await params).id;
  const body = await readJsonBody(request, banBody);
  return Response.json({ user: await adminUsers.ban(admin, id, body) });
});

export const DELETE = apiRoute(async (request: Request, { params }: Context) => {
  const admin = await requireAdmin(request);
  return Response.json({ user: await adminUsers.unban(admin, (await params).id) });
});

const otherMethod = methodNotAllowed("POST", "DELETE");
export { otherMethod as GET, otherMethod as PUT, otherMethod as PATCH };
