import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { audit, requestOrigin } from "@/lib/admin/audit";
import { invitations } from "@/lib/admin/invitations";
import { readJsonBody } from "@/lib/http/validation";

const createBody = z.strictObject({
  maxUses: z.number().int().min(1).max(1000).default(1),
  expiresInDays: z.number().int().min(1).max(365).default(7),
  // Locks the invitation to this address; empty or absent: anyone with the link.
  email: z
    .union([z.literal(""), z.email().max(320)])
    .nullable()
    .optional(),
});

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** The 100 newest invitations with their use; never their tokens (only hashes are kept). */
  GET: route({ auth: "admin" }, async () => Response.json({ invitations: await invitations.list() })),

  /** The token and link are in this answer only: they cannot be read back later. */
  POST: route({ auth: "admin" }, async ({ request, caller }) => {
    const options = await readJsonBody(request, createBody);
    const { token, invitation } = await invitations.create(caller.user.id, options);
    await audit.record({
      action: "invitation_created",
      actor: caller.user,
      target: options.email ? { email: options.email } : null,
      detail: { invitation: invitation.id, maxUses: options.maxUses, expiresInDays: options.expiresInDays },
      ...requestOrigin(caller.headers),
    });
    const url = new URL(`/sign-up?invite=${token}`, process.env.BETTER_AUTH_URL ?? request.url).toString();
    return Response.json({ invitation, token, url }, { status: 201 });
  }),
});
