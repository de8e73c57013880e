import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { audit, auditActions, decodeAuditCursor } from "@/lib/admin/audit";
import { cursorParam, parseOrThrow, queryParams, storableText } from "@/lib/http/validation";

const time = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)), "must be a date or a date and time");

const listQuery = z.strictObject({
  action: z.enum(auditActions).optional(),
  // Part of the actor's email address.
  actor: storableText(200).optional(),
  since: time.optional(),
  // A date alone means up to the end of that day.
  until: time.optional(),
  after: cursorParam(decodeAuditCursor, 300).optional(),
});

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Security events and admin actions, newest first, 50 a page; never a password, token or message. */
  GET: route({ auth: "admin" }, async ({ request }) => {
    const query = parseOrThrow(listQuery, queryParams(request));
    return Response.json(await audit.listForAdmin(query));
  }),
});
