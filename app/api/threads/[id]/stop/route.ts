import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { replyStreams } from "@/lib/chat/reply-streams";
import { parseThreadId } from "@/lib/http/validation";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** Stop: the instance writing this thread's reply aborts the model request; 204 whether or not one was running. */
  POST: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    if (!(await replyStreams.requestStopForUser(caller.user.id, parseThreadId(params.id)))) throw notFound();
    return new Response(null, { status: 204 });
  }),
});
