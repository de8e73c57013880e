import { notFound } from "@/lib/http/errors";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { replyStreams } from "@/lib/chat/reply-streams";
import { requireSession } from "@/lib/http/caller";
import { parseThreadId } from "@/lib/http/validation";

type Context = { params: Promise<{ id: string }> };

/** Stop: the instance writing this thread's reply aborts the model request; 204 whether or not one was running. */
export const POST = apiRoute(async (request: Request, { params }: Context) => {
  const session = await requireSession(request.headers);
  if (!(await replyStreams.requestStopForUser(session.user.id, parseThreadId((await params).id)))) throw notFound();
  return new Response(null, { status: 204 });
});

const otherMethod = methodNotAllowed("POST");
export { otherMethod as GET, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
