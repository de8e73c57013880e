import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { workspaceActions } from "@/lib/http/caller";
import { consumeChatMessage } from "@/lib/chat/rate-limit";
import { parseAuthId, readJsonBody } from "@/lib/http/validation";
import { invitationDays } from "@/lib/workspaces/invitations";
import { workspaceRoleNames } from "@/lib/shared/workspaces";

type Params = { id: string };

const inviteBody = z.strictObject({
  email: z
    .email()
    .max(254)
    .transform((e) => e.toLowerCase()),
  // "owner" only from an owner (better-auth's organization plugin refuses anyone else: 403).
  role: z.enum(workspaceRoleNames).default("member"),
  expiresInDays: z.number().int().min(invitationDays.min).max(invitationDays.max).default(invitationDays.default),
});

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * Owners and admins invite an address. The link is mailed (logged without SMTP_URL) and is in
   * this answer once, for the inviter to pass on; the id in it is the invitation's only secret.
   */
  POST: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const workspaceId = parseAuthId(params.id, "Workspace");
    const { email, role, expiresInDays } = await readJsonBody(request, inviteBody);
    // Each invitation sends a mail carrying the workspace's and the inviter's names: it counts
    // like a chat message, so nobody can mail an address (or many) without limit.
    await consumeChatMessage(caller.user.id);
    const invitation = await workspaceActions.invite(caller, workspaceId, { email, role, days: expiresInDays });
    const url = new URL(`/invite/${invitation.id}`, process.env.BETTER_AUTH_URL ?? request.url).toString();
    return Response.json({ invitation, url }, { status: 201 });
  }),
});
