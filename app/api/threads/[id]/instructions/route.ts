import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { parseThreadId } from "@/lib/http/validation";
import { projects } from "@/lib/projects/projects";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * The instructions the thread's replies follow (the caller's own, then its project's), shown
   * to its author: never hidden from them. Only the author's: a reader of a shared thread gets
   * the 404 of a missing thread, since someone else's instructions are theirs.
   */
  GET: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const found = await projects.threadInstructionsForUser(caller.user.id, parseThreadId(params.id));
    if (!found) throw notFound();
    return Response.json(found);
  }),
});
