import { z } from "zod";
import { notFound } from "@/lib/http/errors";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { attachment, exportFileName, threadToMarkdown } from "@/lib/chat/export";
import { requireSession } from "@/lib/http/caller";
import { threads } from "@/lib/chat/threads";
import { parseOrThrow, parseThreadId, queryParams } from "@/lib/http/validation";

type Context = { params: Promise<{ id: string }> };

const exportQuery = z.strictObject({ format: z.enum(["markdown", "json"]).default("markdown") });

/** One thread as a Markdown file (the branch last seen) or a JSON file (every message, every branch). */
export const GET = apiRoute(async (request: Request, { params }: Context) => {
  const session = await requireSession(request.headers);
  const id = parseThreadId((await params).id);
  const { format } = parseOrThrow(exportQuery, queryParams(request));
  const [thread] = await threads.exportThreadsForUser(session.user.id, id);
  if (!thread) throw notFound();
  return format === "markdown"
    ? attachment(threadToMarkdown(thread), "text/markdown", exportFileName(thread.title, "md"))
    : attachment(JSON.stringify(thread, null, 2), "application/json", exportFileName(thread.title, "json"));
});

const otherMethod = methodNotAllowed("GET");
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
