import type { UIMessage } from "ai";
import { z } from "zod";
import { notFound } from "@/lib/api-error";
import { apiRoute, methodNotAllowed } from "@/lib/api-route";
import { messageFormat } from "@/lib/chat-messages";
import { replyStatus, toStoredMessage, uiMessageSchema, validateMessages } from "@/lib/messages";
import { replyStreams } from "@/lib/reply-streams";
import { requireSession } from "@/lib/session";
import { threads } from "@/lib/threads";
import { parseThreadId, readJsonBody, storableText } from "@/lib/validation";

type Context = { params: Promise<{ id: string }> };

/** One history entry as assistant-ui's history adapter stores it: the message without its id. */
const appendBody = z.strictObject({
  id: uiMessageSchema.shape.id,
  parentId: storableText(200).nullable(),
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
 * Whether a browser's copy of a reply may replace the server's. After Stop it does: it is what
 * the user saw. A copy cut short any other way (the tab reloaded or closed mid-reply) does not:
 * the server goes on and stores the whole reply. The browser sends Stop before its copy, but the
 * two requests may land in either order, so a copy of a reply still being written waits a moment
 * for a Stop to show up.
 */
async function settledCopyWins(userId: string, threadId: string, message: UIMessage): Promise<boolean> {
  let state = await replyStreams.stateForUser(userId, threadId, message.id);
  for (let waited = 0; state === "writing" && waited < 2000; waited += 50) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    state = await replyStreams.stateForUser(userId, threadId, message.id);
  }
  if (state === "writing") return false;
  return state !== "ended" || replyStatus(message) === "complete";
}

/**
 * The client's settled copy of a message (assistant-ui appends each message once a run ends).
 * It replaces what the server stored, so after Stop the thread holds exactly the partial reply
 * the user saw, not the rest the model went on to write.
 */
export const POST = apiRoute(async (request: Request, { params }: Context) => {
  const session = await requireSession(request.headers);
  const threadId = parseThreadId((await params).id);
  const body = await readJsonBody(request, appendBody);
  const [message] = await validateMessages([{ id: body.id, ...body.content }]);
  if (message.role === "assistant" && !(await settledCopyWins(session.user.id, threadId, message))) return new Response(null, { status: 204 });
  const saved = await threads.saveMessagesForUser(session.user.id, threadId, [toStoredMessage(message, body.parentId)], "replace");
  if (!saved) throw notFound();
  return new Response(null, { status: 204 });
});

const otherMethod = methodNotAllowed("GET", "POST");
export { otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
