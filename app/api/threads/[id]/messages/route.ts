import { z } from "zod";
import { notFound } from "@/lib/http/errors";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { messageFormat } from "@/lib/shared/chat-messages";
import { clientIdSchema, replyStatus, saveClientMessageForUser, toStoredMessage, uiMessageSchema, validateMessages } from "@/lib/chat/messages";
import { replyStreams } from "@/lib/chat/reply-streams";
import { requireSession } from "@/lib/http/caller";
import { threads } from "@/lib/chat/threads";
import { parseThreadId, readJsonBody } from "@/lib/http/validation";

type Context = { params: Promise<{ id: string }> };

/** One history entry as assistant-ui's history adapter stores it: the message without its id. */
const appendBody = z.strictObject({
  id: uiMessageSchema.shape.id,
  parentId: clientIdSchema.nullable(),
  format: z.literal(messageFormat),
  content: uiMessageSchema.omit({ id: true }),
});

export const GET = apiRoute(async (request: Request, { params }: Context) => {
  const session = await requireSession(request.headers);
  const body = await threads.messagesJsonForUser(session.user.id, parseThreadId((await params).id));
  if (body === null) throw notFound();
  return new Response(body, { headers: { "content-type": "application/json" } });
});

/**
 * The client's settled copy of a message (assistant-ui appends each message once a run ends).
 * It replaces what the server stored, so after Stop the thread holds exactly the partial reply
 * the user saw, not the rest the model went on to write; a copy cut short otherwise is ignored.
 */
export const POST = apiRoute(async (request: Request, { params }: Context) => {
  const session = await requireSession(request.headers);
  const threadId = parseThreadId((await params).id);
  const body = await readJsonBody(request, appendBody);
  const [message] = await validateMessages([{ id: body.id, ...body.content }]);
  if (message.role === "assistant" && !(await replyStreams.browserCopyWinsForUser(session.user.id, threadId, message.id, replyStatus(message) === "complete"))) {
    return new Response(null, { status: 204 });
  }
  const saved = await saveClientMessageForUser(session.user.id, threadId, toStoredMessage(message, body.parentId), "replace");
  if (!saved) throw notFound();
  return new Response(null, { status: 204 });
});

const otherMethod = methodNotAllowed("GET", "POST");
export { otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
