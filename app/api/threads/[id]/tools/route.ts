import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { parseThreadId, readJsonBody } from "@/lib/http/validation";
import { toolLimits } from "@/lib/shared/tools";
import { toolCatalog } from "@/lib/tools/catalog";

type Params = { id: string };

const putBody = z
  .strictObject({
    serverId: z.uuid("is not a server id").transform((id) => id.toLowerCase()),
    tool: z.string().min(1, "must not be empty").max(toolLimits.toolNameMaxChars),
    enabled: z.boolean().optional(),
    alwaysAllow: z.boolean().optional(),
  })
  .refine((body) => body.enabled !== undefined || body.alwaysAllow !== undefined, "give enabled or alwaysAllow");

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * The tools the caller may use, grouped by server, each with whether it is on in this thread; a
   * per-person server the caller has not connected says `needsSignIn`. 404 for anyone else's thread.
   */
  GET: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const servers = await toolCatalog.toolsForThread(caller.user.id, parseThreadId(params.id));
    return Response.json({ servers });
  }),

  /** Switches one tool on or off in this thread (or always allows it here). 404 "Thread not found." for anyone else's thread, "Tool not found." for a tool the caller may not use. */
  PUT: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const threadId = parseThreadId(params.id);
    const { serverId, ...setting } = await readJsonBody(request, putBody);
    const tool = await toolCatalog.setThreadTool(caller.user.id, threadId, { serverId, ...setting });
    return Response.json({ tool });
  }),
});
