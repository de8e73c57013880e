import { generateText } from "ai";
import { z } from "zod";
import { notFound } from "@/lib/api-error";
import { apiRoute, methodNotAllowed } from "@/lib/api-route";
import { getModel } from "@/lib/ai";
import { limits } from "@/lib/limits";
import { requireSession } from "@/lib/session";
import { threadJson, threads } from "@/lib/threads";
import { parseThreadId, readJsonBody, storableText } from "@/lib/validation";

type Context = { params: Promise<{ id: string }> };

const titleInstructions =
  "Write a title of at most six words for a chat that starts with the user's message below. Answer with the title only: no quotes, no final period.";

// assistant-ui asks for a title as soon as the first message shows, often before /api/chat has
// stored it, so the client may send that message's text; otherwise the stored one is used.
const titleRequest = z.strictObject({ text: storableText(limits.maxMessageChars).optional() });

/** Generates a title from the thread's first message, saves and returns the thread. */
export const POST = apiRoute(async (request: Request, { params }: Context) => {
  const session = await requireSession(request.headers);
  const id = parseThreadId((await params).id);
  const body = request.headers.get("content-type") ? await readJsonBody(request, titleRequest) : {};
  const stored = await threads.firstUserTextForUser(session.user.id, id);
  if (stored === null) throw notFound();
  const firstText = stored || body.text || "";
  let title = "New chat";
  if (firstText.trim()) {
    const { text } = await generateText({
      model: getModel().titleModel,
      system: titleInstructions,
      prompt: firstText.slice(0, 2000),
      maxOutputTokens: 32,
      abortSignal: AbortSignal.timeout(limits.modelTimeoutMs),
    });
    title = text.replace(/^["'\s]+|["'.\s]+$/g, "").replace(/\s+/g, " ").slice(0, limits.maxTitleChars) || title;
  }
  const thread = await threads.updateThreadForUser(session.user.id, id, { title });
  if (!thread) throw notFound();
  return Response.json(threadJson(thread));
});

const otherMethod = methodNotAllowed("POST");
export { otherMethod as GET, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
