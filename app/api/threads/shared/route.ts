import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { decodeCursor, threadJson, threads } from "@/lib/chat/threads";
import { cursorParam, parseOrThrow, queryParams } from "@/lib/http/validation";

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  after: cursorParam(decodeCursor, 200).optional(),
});

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * The "Shared" section: the active workspace's threads its other members share, with their
   * authors' names. The personal space has nobody to share with: an empty list.
   */
  GET: route({ auth: "user" }, async ({ request, caller }) => {
    const query = parseOrThrow(listQuery, queryParams(request));
    const workspaceId = caller.workspace?.id ?? null;
    if (workspaceId === null) return Response.json({ threads: [], nextCursor: null, workspaceId });
    const after = query.after === undefined ? undefined : decodeCursor(query.after);
    const page = await threads.listSharedThreadsForUser(caller.user.id, workspaceId, { limit: query.limit, after });
    return Response.json({ threads: page.threads.map((t) => threadJson(t)), nextCursor: page.nextCursor, workspaceId });
  }),
});
