import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { adminUsers } from "@/lib/http/caller";
import { readJsonBody, storableText } from "@/lib/http/validation";

type Params = { id: string };

const banBody = z.strictObject({
  // Shown to them when they try to sign in.
  reason: storableText(500).optional(),
  expiresAt: z.iso
    .datetime({ offset: true })
    .transform((s) => new Date(s))
    .refine((d) => d.getTime() > Date.now(), "must be in the future")
    .optional(),
});

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Signs the person out everywhere and refuses them on every route until unbanned or `expiresAt`. */
  POST: route<Params>({ auth: "admin" }, async ({ request, caller, params }) => {
    const body = await readJsonBody(request, banBody);
    return Response.json({ user: await adminUsers.ban(caller, params.id, body) });
  }),

  DELETE: route<Params>({ auth: "admin" }, async ({ caller, params }) =>
    Response.json({ user: await adminUsers.unban(caller, params.id) }),
  ),
});
