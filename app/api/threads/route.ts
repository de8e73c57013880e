import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { decodeCursor, threadJson, threads, threadStatuses } from "@/lib/chat/threads";
import { cursorParam, offeredModel, parseOrThrow, queryParams, readJsonBody, titleSchema } from "@/lib/http/validation";

const listQuery = z.strictObject({
  status: z.enum(threadStatuses).default("regular"),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  after: cursorParam(decodeCursor, 200).optional(),
});

const createBody = z.strictObject({ title: titleSchema.optional(), model: offeredModel.optional() });

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  GET: route({ auth: "user" }, async ({ request, caller }) => {
    const query = parseOrThrow(listQuery, queryParams(request));
    const after = query.after === undefined ? undefined : decodeCursor(query.after);
    // The space is the session's active one; it goes back with the page, so a browser that
    // switched in another tab can tell a page of another space from its own.
    const workspaceId = caller.workspace?.id ?? null;
    const page = await threads.listThreadsForUser(caller.user.id, {
      status: query.status,
      limit: query.limit,
      after,
      workspaceId,
    });
    return Response.json({ threads: page.threads.map((t) => threadJson(t)), nextCursor: page.nextCursor, workspaceId });
  }),

  POST: route({ auth: "user" }, async ({ request, caller }) => {
    const body = await readJsonBody(request, createBody);
    const created = await threads.createThreadForUser(caller.user.id, {
      ...body,
      workspaceId: caller.workspace?.id ?? null,
    });
    return Response.json(threadJson(created), { status: 201 });
  }),
});
