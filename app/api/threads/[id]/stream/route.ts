import { notFound } from "@/lib/http/errors";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { replyStreams } from "@/lib/chat/reply-streams";
import { requireSession } from "@/lib/http/caller";
import { parseThreadId } from "@/lib/http/validation";

type Context = { params: Promise<{ id: string }> };

/**
 * The reply being written in this thread, as the AI SDK UI message stream, from its start and
 * then live (a reload, another tab, another instance); 204 when no reply is in progress.
 */
export const GET = apiRoute(async (request: Request, { params }: Context) => {
  const session = await requireSession(request.headers);
  const found = await replyStreams.inProgressForUser(session.user.id, parseThreadId((await params).id));
  if (found === undefined) throw notFound();
  const { stream, lastMessageAt } = found;
  // Nothing in progress. When the thread last got a message lets a page that was rendered just
  // before a reply was stored see that it must read the thread again.
  if (stream === null) return new Response(null, { status: 204, headers: lastMessageAt ? { "x-thread-last-message-at": lastMessageAt } : {} });
  return new Response(replyStreams.follow(stream.id, request.signal), {
    headers: {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      "x-accel-buffering": "no",
      "x-vercel-ai-ui-message-stream": "v1",
      // Where the reply goes in the thread: its id and the user message it answers.
      "x-reply-id": stream.replyId,
      "x-reply-parent-id": stream.parentId,
    },
  });
});

const otherMethod = methodNotAllowed("GET");
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
