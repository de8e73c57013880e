import { z } from "zod";
import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { messageFormat } from "@/lib/shared/chat-messages";
import {
  clientIdSchema,
  replyStatus,
  saveClientMessageForUser,
  toStoredMessage,
  uiMessageSchema,
  validateMessages,
} from "@/lib/chat/messages";
import { replyStreams } from "@/lib/chat/reply-streams";
import { threads } from "@/lib/chat/threads";
import { parseThreadId, readJsonBody } from "@/lib/http/validation";

type Params = { id: string };

/** One history entry as assistant-ui's history adapter stores it: the message without its id. */
const appendBody = z.strictObject({
  id: uiMessageSchema.shape.id,
  parentId: clientIdSchema.nullable(),
  format: z.literal(messageFormat),
  content: uiMessageSchema.omit({ id: true }),
});

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  GET: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const body = await threads.messagesJsonForUser(caller.user.id, parseThreadId(params.id));
    if (body === null) throw notFound();
    return new Response(body, { headers: { "content-type": "application/json" } });
  }),

  /**
   * The client's settled copy of a message (assistant-ui appends each message once a run ends).
   * It replaces what the server stored, so after Stop the thread holds exactly the partial reply
   * the user saw, not the rest the model went on to write; a copy cut short otherwise is ignored.
   */
  POST: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const threadId = parseThreadId(params.id);
    const body = await readJsonBody(request, appendBody);
    const [message] = await validateMessages([{ id: body.id, ...body.content }]);
    if (
      message.role === "assistant" &&
      !(await replyStreams.browserCopyWinsForUser(
        caller.user.id,
        threadId,
        message.id,
        replyStatus(message) === "complete",
      ))
    ) {
      return new Response(null, { status: 204 });
    }
    const saved = await saveClientMessageForUser(
      caller.user.id,
      threadId,
      toStoredMessage(message, body.parentId),
      "replace",
    );
    if (!saved) throw notFound();
    return new Response(null, { status: 204 });
  }),
});
