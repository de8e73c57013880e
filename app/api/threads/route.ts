import { z } from "zod";
import { threadStatuses } from "@/lib/chat/threads";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { requireSession } from "@/lib/http/caller";
import { decodeCursor, threadJson, threads } from "@/lib/chat/threads";
import { cursorParam, offeredModel, parseOrThrow, queryParams, readJsonBody, titleSchema } from "@/lib/http/validation";

const listQuery = z.strictObject({
  status: z.enum(threadStatuses).default("regular"),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  after: cursorParam(decodeCursor, 200).optional(),
});

const createBody = z.strictObject({ title: titleSchema.optional(), model: offeredModel.optional() });

export const GET = apiRoute(async (request: Request) => {
  const session = await requireSession(request.headers);
  const query = parseOrThrow(listQuery, queryParams(request));
  const after = query.after === undefined ? undefined : decodeCursor(query.after);
  const page = await threads.listThreadsForUser(session.user.id, { status: query.status, limit: query.limit, after });
  return Response.json({ threads: page.threads.map(threadJson), nextCursor: page.nextCursor });
});

export const POST = apiRoute(async (request: Request) => {
  const session = await requireSession(request.headers);
  const body = await readJsonBody(request, createBody);
  return Response.json(threadJson(await threads.createThreadForUser(session.user.id, body)), { status: 201 });
});

const otherMethod = methodNotAllowed("GET", "POST");
export { otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
