import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { threads } from "@/lib/chat/threads";
import { parseOrThrow, queryParams, storableText } from "@/lib/http/validation";

const searchQuery = z.strictObject({
  q: storableText(200).pipe(z.string().trim().min(1, "must not be empty")),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * Threads of the caller's active space matching `q` by title or message text (in a workspace,
   * shared threads too). Each snippet marks the matched words with \u0001 … \u0002 (never HTML:
   * the text is rendered as text).
   */
  GET: route({ auth: "user" }, async ({ request, caller }) => {
    const { q, limit } = parseOrThrow(searchQuery, queryParams(request));
    // The space searched goes back with the results, as with GET /api/threads.
    const workspaceId = caller.workspace?.id ?? null;
    const results = await threads.searchThreadsForUser(caller.user.id, q, { limit, workspaceId });
    return Response.json({ results, workspaceId });
  }),
});
