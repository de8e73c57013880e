import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { threadJson, threads } from "@/lib/chat/threads";
import { consumeChatMessage } from "@/lib/chat/rate-limit";
import { parseThreadId } from "@/lib/http/validation";

type Params = { id: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * "Continue as my own copy": 201 a new private thread of the caller's, in the source's space,
   * with the branch they can read and its attachments (lib/chat/threads.ts). 404 when the caller
   * cannot read the source or is no longer a member of its workspace; 413 over MAX_COPY_MESSAGES
   * or MAX_COPY_BYTES. A copy counts like a message against the chat rate limit, so copies
   * cannot fill the storage at any speed. No body is read.
   */
  POST: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const id = parseThreadId(params.id);
    await consumeChatMessage(caller.user.id);
    const copy = await threads.copySharedBranchForUser(caller.user.id, id);
    if (!copy) throw notFound();
    return Response.json(threadJson(copy), { status: 201 });
  }),
});
