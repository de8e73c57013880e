import { z } from "zod";
import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { threadJson, threads, threadStatuses } from "@/lib/chat/threads";
import { offeredModel, parseThreadId, readJsonBody, titleSchema } from "@/lib/http/validation";

type Params = { id: string };

/**
 * `pinned`: pins the thread to the top of its author's list (true) or unpins it (false); only an
 * active thread is pinned (archiving unpins), at most MAX_PINNED_THREADS per space (409 beyond).
 */
const patchBody = z
  .strictObject({
    title: titleSchema.optional(),
    status: z.enum(threadStatuses).optional(),
    model: offeredModel.optional(),
    pinned: z.boolean().optional(),
  })
  .refine(
    (b) => b.title !== undefined || b.status !== undefined || b.model !== undefined || b.pinned !== undefined,
    "give a title, a status, a model or pinned",
  )
  .refine((b) => !(b.pinned === true && b.status === "archived"), "an archived thread cannot be pinned");

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
