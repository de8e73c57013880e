import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { decodeCursor, threadJson, threads, threadStatuses } from "@/lib/chat/threads";
import {
  cursorParam,
  offeredModel,
  parseId,
  parseOrThrow,
  queryParams,
  readJsonBody,
  titleSchema,
} from "@/lib/http/validation";

/**
 * `pinned=true`: the caller's pinned threads of the space instead (active ones, the newest pin
 * first, one page of at most `limit`: a person pins at most MAX_PINNED_THREADS per space), which
 * takes no `after` and no status but `regular`. The list without it has pinned threads too.
 */
const listQuery = z
  .strictObject({
    status: z.enum(threadStatuses).default("regular"),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    after: cursorParam(decodeCursor, 200).optional(),
    pinned: z.literal("true").optional(),
  })
  .refine(
    (q) => q.pinned === undefined || (q.after === undefined && q.status === "regular"),
    "pinned=true lists active threads in one page: no after, no other status",
  );

/** `projectId`: a project of the active space the caller may use (anything else: 404 "Project not found."). */
const createBody = z.strictObject({
  title: titleSchema.optional(),
  model: offeredModel.optional(),
  projectId: z.string().max(100).optional(),
});

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  GET: route({ auth: "user" }, async ({ request, caller }) => {
    const query = parseOrThrow(listQuery, queryParams(request));
    const after = query.after === undefined ? undefined : decodeCursor(query.after);
    // The space is the session's active one; it goes back with the page, so a browser that
    // switched in another tab can tell a page of another space from its own.
    const workspaceId = caller.workspace?.id ?? null;
    if (query.pinned) {
      const pinned = await threads.listPinnedThreadsForUser(caller.user.id, { limit: query.limit, workspaceId });
      return Response.json({ threads: pinned.map((t) => threadJson(t)), nextCursor: null, workspaceId });
    }
    const page = await threads.listThreadsForUser(caller.user.id, {
      status: query.status,
      limit: query.limit,
      after,
      workspaceId,
    });
    return Response.json({ threads: page.threads.map((t) => threadJson(t)), nextCursor: page.nextCursor, workspaceId });
  }),

  POST: route({ auth: "user" }, async ({ request, caller }) => {
    const { projectId, ...body } = await readJsonBody(request, createBody);
    const created = await threads.createThreadForUser(caller.user.id, {
      ...body,
      // An id that is not a UUID names no project: the same 404 as one the caller may not use.
      projectId: projectId === undefined ? null : parseId(projectId, "Project"),
      workspaceId: caller.workspace?.id ?? null,
    });
    return Response.json(threadJson(created), { status: 201 });
  }),
});
