import { z } from "zod";
import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { parseThreadId, readJsonBody } from "@/lib/http/validation";
import { toolDecisions, toolLimits } from "@/lib/shared/tools";
import { toolCatalog } from "@/lib/tools/catalog";

type Params = { id: string; toolCallId: string };

const body = z.strictObject({ decision: z.enum(toolDecisions), alwaysAllow: z.boolean().optional() });

/** The model's id for a call: a short ASCII name; anything else names no call. */
const toolCallIdPattern = new RegExp(`^[A-Za-z0-9_.:-]{1,${toolLimits.toolCallIdMaxChars}}$`);

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * "Run" / "Deny" for a tool call waiting in a reply of the caller's (with "Always allow this tool
   * in this thread"). Only calls the model made and the server is waiting on can be answered: 404
   * for any other id, an answered call, or someone else's thread.
   */
  POST: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const threadId = parseThreadId(params.id);
    const toolCallId = params.toolCallId;
    if (typeof toolCallId !== "string" || !toolCallIdPattern.test(toolCallId)) throw notFound("Tool call");
    const { decision, alwaysAllow = false } = await readJsonBody(request, body);
    return Response.json(
      await toolCatalog.decideToolCallForUser(caller.user.id, threadId, toolCallId, decision, alwaysAllow),
    );
  }),
});
