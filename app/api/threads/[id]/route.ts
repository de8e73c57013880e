import { z } from "zod";
import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { threadJson, threads, threadStatuses } from "@/lib/chat/threads";
import { offeredModel, parseThreadId, readJsonBody, titleSchema } from "@/lib/http/validation";

type Params = { id: string };

const patchBody = z
  .strictObject({
    title: titleSchema.optional(),
    status: z.enum(threadStatuses).optional(),
    model: offeredModel.optional(),
  })
  .refine(
    (b) => b.title !== undefined || b.status !== undefined || b.model !== undefined,
    "give a title, a status or a model",
  );

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  GET: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const thread = await threads.getThreadForUser(caller.user.id, parseThreadId(params.id));
    if (!thread) throw notFound();
    return Response.json(threadJson(thread));
  }),

  PATCH: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const id = parseThreadId(params.id);
    const body = await readJsonBody(request, patchBody);
    const thread = await threads.updateThreadForUser(caller.user.id, id, body);
    if (!thread) throw notFound();
    return Response.json(threadJson(thread));
  }),

  DELETE: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    if (!(await threads.deleteThreadForUser(caller.user.id, parseThreadId(params.id)))) throw notFound();
    return new Response(null, { status: 204 });
  }),
});
