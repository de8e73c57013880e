import { z } from "zod";
import { threadStatuses } from "@/lib/chat/threads";
import { notFound } from "@/lib/http/errors";
import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { requireSession } from "@/lib/auth/session";
import { threadJson, threads } from "@/lib/chat/threads";
import { offeredModel, parseThreadId, readJsonBody, titleSchema } from "@/lib/http/validation";

type Context = { params: Promise<{ id: string }> };

const patchBody = z
  .strictObject({ title: titleSchema.optional(), status: z.enum(threadStatuses).optional(), model: offeredModel.optional() })
  .refine((b) => b.title !== undefined || b.status !== undefined || b.model !== undefined, "give a title, a status or a model");

export const GET = apiRoute(async (request: Request, { params }: Context) => {
  const session = await requireSession(request.headers);
  const thread = await threads.getThreadForUser(session.user.id, parseThreadId((await params).id));
  if (!thread) throw notFound();
  return Response.json(threadJson(thread));
});

export const PATCH = apiRoute(async (request: Request, { params }: Context) => {
  const session = await requireSession(request.headers);
  const id = parseThreadId((await params).id);
  const body = await readJsonBody(request, patchBody);
  const thread = await threads.updateThreadForUser(session.user.id, id, body);
  if (!thread) throw notFound();
  return Response.json(threadJson(thread));
});

export const DELETE = apiRoute(async (request: Request, { params }: Context) => {
  const session = await requireSession(request.headers);
  if (!(await threads.deleteThreadForUser(session.user.id, parseThreadId((await params).id)))) throw notFound();
  return new Response(null, { status: 204 });
});

const otherMethod = methodNotAllowed("GET", "PATCH", "DELETE");
export { otherMethod as POST, otherMethod as PUT };
