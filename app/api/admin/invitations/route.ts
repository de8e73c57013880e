import { z } from "zod";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { audit, requestOrigin } from "@/lib/admin/audit";
import { invitations } from "@/lib/admin/invitations";
import { requireAdmin } from "@/lib/http/caller";
import { readJsonBody } from "@/lib/http/validation";

const createBody = z.strictObject({
  maxUses: z.number().int().min(1).max(1000).default(1),
  expiresInDays: z.number().int().min(1).max(365).default(7),
  // Locks the invitation to this address; empty or absent: anyone with the link.
  email: z.union([z.literal(""), z.email().max(320)]).nullable().optional(),
});

/** The 100 newest invitations with their use; never their tokens (only hashes are kept). */
export const GET = apiRoute(async (request: Request) => {
  await requireAdmin(request);
  return Response.json({ invitations: await invitations.list() });
});

/** The token and link are in this answer only: they cannot be read back later. */
export const POST = apiRoute(async (request: Request) => {
  const admin = await requireAdmin(request);
  const options = await readJsonBody(request, createBody);
  const { token, invitation } = await invitations.create(admin.user.id, options);
  await audit.record({
    action: "invitation_created",
    actor: admin.user,
    target: options.email ? { email: options.email } : null,
    detail: { invitation: invitation.id, maxUses: options.maxUses, expiresInDays: options.expiresInDays },
    ...requestOrigin(admin.headers),
  });
  const url = new URL(`/sign-up?invite=${token}`, process.env.BETTER_AUTH_URL ?? request.url).toString();
  return Response.json({ invitation, token, url }, { status: 201 });
});

const otherMethod = methodNotAllowed("GET", "POST");
export { otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
