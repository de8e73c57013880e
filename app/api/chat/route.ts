import { createUIMessageStreamResponse } from "ai";
import { z } from "zod";
import { ApiError } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { limits } from "@/lib/http/limits";
import { uiMessageSchema, validateMessages } from "@/lib/chat/messages";
import { isShuttingDown } from "@/lib/observability/shutdown";
import { startTurn } from "@/lib/chat/turn";
import { offeredModel, parseThreadId, readJsonBody } from "@/lib/http/validation";

/**
 * The AI SDK chat request (what its transports send); `id` is the thread's id. Other fields are
 * ignored.
 */
const chatBody = z.object({
  id: z.string().max(100),
  messages: z.array(uiMessageSchema).min(1).max(limits.maxMessagesPerRequest),
  // The id the client gave the reply, so the copy it settles later (after Stop) replaces this one.
  replyId: uiMessageSchema.shape.id.optional(),
  trigger: z.enum(["submit-message", "regenerate-message"]).default("submit-message"),
  // The model picked in the UI; stored as the thread's choice.
  model: offeredModel.optional(),
});

/** A chat turn: the reply streams back as the AI SDK UI message stream (see lib/chat/turn.ts). */
export const { GET, POST, PUT, PATCH, DELETE } = methods({
  POST: route({ auth: "user" }, async ({ request, caller }) => {
    if (isShuttingDown()) throw new ApiError("shutting_down", "This server is restarting. Try again in a moment.");
    const body = await readJsonBody(request, chatBody);
    const threadId = parseThreadId(body.id);
    const messages = await validateMessages(body.messages);
    const last = messages[messages.length - 1];
    if (last.role !== "user")
      throw new ApiError("bad_request", "Invalid request: the last message must be the user's.");
    if (messages.some((m) => m.id === body.replyId))
      throw new ApiError("bad_request", "Invalid request: replyId names a message of the request.");
    const stream = await startTurn({ user: caller.user, threadId, messages, replyId: body.replyId, model: body.model });
    return createUIMessageStreamResponse({ stream });
  }),
});
