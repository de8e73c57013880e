import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { decodeUserCursor } from "@/lib/admin/users";
import { adminUsers } from "@/lib/http/caller";
import { cursorParam, parseOrThrow, queryParams, storableText } from "@/lib/http/validation";

const listQuery = z.strictObject({
  q: storableText(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  after: cursorParam(decodeUserCursor, 300).optional(),
});

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** The instance's accounts, newest first, with their standing and what they spent this month. */
  GET: route({ auth: "admin" }, async ({ request }) => {
    const query = parseOrThrow(listQuery, queryParams(request));
    return Response.json(await adminUsers.listUsers(query));
  }),
});
