import { z } from "zod";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { adminUsers, decodeUserCursor } from "@/lib/admin/users";
import { requireAdmin } from "@/lib/http/caller";
import { cursorParam, parseOrThrow, queryParams, storableText } from "@/lib/http/validation";

const listQuery = z.strictObject({
  q: storableText(200).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  after: cursorParam(decodeUserCursor, 300).optional(),
});

/** The instance's accounts, newest first, with their standing and what they spent this month. */
export const GET = apiRoute(async (request: Request) => {
  await requireAdmin(request);
  const query = parseOrThrow(listQuery, queryParams(request));
  return Response.json(await adminUsers.listUsers(query));
});

const otherMethod = methodNotAllowed("GET");
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
