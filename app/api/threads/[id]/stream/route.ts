import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { replyStreams } from "@/lib/chat/reply-streams";
import { parseThreadId } from "@/lib/http/validation";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * The reply being written in this thread, as the AI SDK UI message stream, from its start and
   * then live (a reload, another tab, another instance); 204 when no reply is in progress.
   */
  GET: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const found = await replyStreams.inProgressForUser(caller.user.id, parseThreadId(params.id));
    if (found === undefined) throw notFound();
    const { stream, lastMessageAt } = found;
    // Nothing in progress. When the thread last got a message lets a page that was rendered just
    // before a reply was stored see that it must read the thread again.
    if (stream === null)
      return new Response(null, {
        status: 204,
        headers: lastMessageAt ? { "x-thread-last-message-at": lastMessageAt } : {},
      });
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
  }),
});
