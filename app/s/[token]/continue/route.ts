import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { consumeChatMessage } from "@/lib/chat/rate-limit";
import { threadJson } from "@/lib/chat/threads";
import { shareLinks } from "@/lib/sharing/share-links";
import { shareTokenPattern } from "@/lib/shared/share-links";
import { threadPath } from "@/lib/shared/chat-messages";

type Params = { token: string };

/** The page's own form (no JavaScript) posts this; anything else is an API call. */
const isFormPost = (request: Request) =>
  /^application\/x-www-form-urlencoded\b/i.test(request.headers.get("content-type") ?? "");

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * "Continue this conversation": the snapshot copied into a new private thread of the caller's,
   * in their personal space. The page's form gets a 303 to it; an API call 201 `{ thread }`. 404
   * whenever the page would be one for the caller; 413 over the copy limits. Counts like a
   * message against the chat rate limit. No body is read.
   */
  POST: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const { token } = params;
    if (!shareTokenPattern.test(token)) throw notFound("Link");
    await consumeChatMessage(caller.user.id);
    const thread = await shareLinks.continueForUser(caller.user.id, token);
    if (!thread) throw notFound("Link");
    if (isFormPost(request)) return new Response(null, { status: 303, headers: { location: threadPath(thread.id) } });
    return Response.json({ thread: threadJson(thread) }, { status: 201 });
  }),
});
