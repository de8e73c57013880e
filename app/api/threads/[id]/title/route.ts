import { generateText } from "ai";
import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { getModel } from "@/lib/chat/models";
import { consumeChatMessage } from "@/lib/chat/rate-limit";
import { limits } from "@/lib/http/limits";
import { logger } from "@/lib/observability/logger";
import { threadJson, threads } from "@/lib/chat/threads";
import { replyUsageOf, usage } from "@/lib/chat/usage";
import { parseThreadId } from "@/lib/http/validation";

type Params = { id: string };

const titleInstructions =
  "Write a title of at most six words for a chat that starts with the user's message below. Answer with the title only: no quotes, no final period.";
const untitled = "New chat";
/** assistant-ui asks for a title as soon as the first message shows, a moment before /api/chat has stored it. */
const waitForFirstMessageMs = 5000;

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * Generates the thread's title from its first stored message, once per thread, saves and returns
   * the thread. It is a model call like a chat turn: it counts against the chat rate limit and the
   * token quotas (the person's, and the workspace's for a workspace thread), and its usage is
   * recorded (in the workspace's month too). A thread that has a title is returned as it is.
   */
  POST: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const userId = caller.user.id;
    const id = parseThreadId(params.id);
    let source = await threads.titleSourceForUser(userId, id);
    for (
      let waited = 0;
      source && source.title === null && source.firstText === null && waited < waitForFirstMessageMs;
      waited += 250
    ) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      source = await threads.titleSourceForUser(userId, id);
    }
    if (!source) throw notFound();
    // One caller claims the title; the rest (a client repeating itself) get the thread as it is.
    if (source.title === null && source.firstText?.trim() && (await threads.claimTitleForUser(userId, id, untitled))) {
      try {
        await consumeChatMessage(userId);
        await usage.assertWithinQuotaForUser(userId, caller.user.tokenQuota, id);
      } catch (error) {
        await threads.releaseTitleForUser(userId, id, untitled);
        throw error;
      }
      const model = getModel().titleModel;
      const result = await generateText({
        model,
        system: titleInstructions,
        prompt: source.firstText.slice(0, 2000),
        maxOutputTokens: 32,
        abortSignal: AbortSignal.timeout(limits.modelTimeoutMs),
      }).catch((error: unknown) => {
        logger.warn({ err: error, threadId: id }, "title: the model could not answer");
        return null;
      });
      if (result) {
        await usage.recordCallForUser(userId, model.modelId, replyUsageOf(result.totalUsage), id);
        const title = result.text
          .replace(/^["'\s]+|["'.\s]+$/g, "")
          .replace(/\s+/g, " ")
          .slice(0, limits.maxTitleChars);
        if (title) await threads.updateThreadForUser(userId, id, { title });
      }
    }
    const thread = await threads.getOwnThreadForUser(userId, id);
    if (!thread) throw notFound();
    return Response.json(threadJson(thread));
  }),
});
