import { ApiError, notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { audit, requestOrigin } from "@/lib/admin/audit";
import { threadJson, threads } from "@/lib/chat/threads";
import type { Caller } from "@/lib/http/caller";
import { parseThreadId } from "@/lib/http/validation";

type Params = { id: string };

/** Shares the caller's workspace thread with its members (read-only for them), or stops sharing it. */
async function setShared(caller: Caller, id: string, shared: boolean): Promise<Response> {
  const result = await threads.setSharedForUser(caller.user.id, parseThreadId(id), shared);
  if (result === null) throw notFound();
  if (result === "personal") throw new ApiError("bad_request", "Only a thread in a workspace can be shared.");
  const { changed, ...thread } = result;
  if (changed)
    await audit.record({
      action: shared ? "thread_shared" : "thread_unshared",
      actor: caller.user,
      workspaceId: thread.workspaceId,
      detail: { threadId: thread.id },
      ...requestOrigin(caller.headers),
    });
  return Response.json(threadJson(thread));
}

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** 200 the thread, shared (already shared: the same, nothing recorded). No body is read. */
  PUT: route<Params>({ auth: "user" }, async ({ caller, params }) => setShared(caller, params.id, true)),
  /** 200 the thread, no longer shared: its readers get a 404 from their next request on. */
  DELETE: route<Params>({ auth: "user" }, async ({ caller, params }) => setShared(caller, params.id, false)),
});
