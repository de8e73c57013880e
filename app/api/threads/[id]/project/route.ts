import { z } from "zod";
import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { threadJson, threads } from "@/lib/chat/threads";
import { parseThreadId, readJsonBody } from "@/lib/http/validation";

type Params = { id: string };

/** A project id that is not a UUID names no project: the same 404 as one the caller may not use. */
const putBody = z.strictObject({ projectId: z.string().max(100).nullable() });
const isUuid = (value: string) => z.uuid().safeParse(value).success;

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * Moves the caller's own thread into a project of its space that they may use, or out of any
   * (`projectId: null`). Readers of a shared thread cannot: 404 "Thread not found.", as for anyone
   * else; a project they may not use there: 404 "Project not found.".
   */
  PUT: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const threadId = parseThreadId(params.id);
    const { projectId } = await readJsonBody(request, putBody);
    // The thread is checked first either way, so a reader learns nothing about projects from the answer.
    const moved =
      projectId === null || isUuid(projectId)
        ? await threads.setThreadProjectForUser(caller.user.id, threadId, projectId?.toLowerCase() ?? null)
        : (await threads.getOwnThreadForUser(caller.user.id, threadId))
          ? "project"
          : null;
    if (!moved) throw notFound();
    if (moved === "project") throw notFound("Project");
    return Response.json(threadJson(moved));
  }),
});
