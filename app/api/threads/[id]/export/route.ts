import { z } from "zod";
import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { attachment, exportFileName, threadToMarkdown } from "@/lib/chat/export";
import { threads } from "@/lib/chat/threads";
import { parseOrThrow, parseThreadId, queryParams } from "@/lib/http/validation";

type Params = { id: string };

const exportQuery = z.strictObject({ format: z.enum(["markdown", "json"]).default("markdown") });

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** One thread as a Markdown file (the branch last seen) or a JSON file (every message, every branch). */
  GET: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const id = parseThreadId(params.id);
    const { format } = parseOrThrow(exportQuery, queryParams(request));
    const [thread] = await threads.exportThreadsForUser(caller.user.id, id);
    if (!thread) throw notFound();
    return format === "markdown"
      ? attachment(threadToMarkdown(thread), "text/markdown", exportFileName(thread.title, "md"))
      : attachment(JSON.stringify(thread, null, 2), "application/json", exportFileName(thread.title, "json"));
  }),
});
