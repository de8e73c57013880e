import { z } from "zod";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { requireSession } from "@/lib/http/caller";
import { threads } from "@/lib/chat/threads";
import { parseOrThrow, queryParams, storableText } from "@/lib/http/validation";

const searchQuery = z.strictObject({
  q: storableText(200).pipe(z.string().trim().min(1, "must not be empty")),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

/**
 * The caller's threads matching `q` by title or message text. Each snippet marks the matched
 * words with \u0001 … \u0002 (never HTML: the text is the user's own and is rendered as text).
 */
export const GET = apiRoute(async (request: Request) => {
  const session = await requireSession(request.headers);
  const { q, limit } = parseOrThrow(searchQuery, queryParams(request));
  return Response.json({ results: await threads.searchThreadsForUser(session.user.id, q, limit) });
});

const otherMethod = methodNotAllowed("GET");
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
