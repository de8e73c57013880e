import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { toolConnectionReturn } from "@/lib/shared/tools";
import { toolCatalog } from "@/lib/tools/catalog";
import { callbackServerParam, OAuthFlowError } from "@/lib/tools/oauth";
import { logger } from "@/lib/observability/logger";
import { requestOrigin } from "@/lib/admin/audit";
import { ApiError } from "@/lib/http/errors";

/**
 * What the server's sign-in hands back: a code and our state (32 random bytes, base64url), on the
 * redirect URI of the server the sign-in is for (`?server=<id>`), and maybe its issuer (RFC 9207).
 */
const query = z.object({
  server: z.string().min(1).max(200).nullable(),
  iss: z.string().min(1).max(2048).nullable(),
  state: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
  code: z
    .string()
    .min(1)
    .max(2048)
    .regex(/^[\x21-\x7e]+$/),
});

/** Back to /account, never anywhere a parameter names; the address it leaves carried a (single-use) code: not cached. */
const back = (where: keyof typeof toolConnectionReturn) =>
  new Response(null, {
    status: 303,
    headers: { Location: toolConnectionReturn[where], "Cache-Control": "no-store" },
  });

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * The OAuth redirect back from a tool server's sign-in. The flow (its state) must be one the
   * signed-in caller started, within 10 minutes, and is used once; the code is exchanged on the
   * server and the token stored encrypted. 303 to /account either way (`?tools=connected` or `failed`).
   */
  GET: route({ auth: "user" }, async ({ request, caller }) => {
    const params = new URL(request.url).searchParams;
    const parsed = query.safeParse({
      state: params.get("state") ?? undefined,
      code: params.get("code") ?? undefined,
      server: params.get(callbackServerParam),
      iss: params.get("iss"),
    });
    if (!parsed.success || ["state", "code", callbackServerParam, "iss"].some((name) => params.getAll(name).length > 1))
      return back("failed");
    try {
      // The catalog refuses a callback naming another server than the flow's (or none), or another issuer.
      await toolCatalog.finishOAuthForUser(caller.user.id, parsed.data, requestOrigin(caller.headers));
      return back("connected");
    } catch (error) {
      // An unknown, expired, used or someone else's flow is a 404 inside; nothing to log. Never the code or the state.
      if (error instanceof ApiError && error.code === "not_found") return back("failed");
      // These messages are made safe; anything else (a failed query carries its parameters in its
      // message) goes through the logger's error serializer, which leaves them out.
      if (error instanceof OAuthFlowError || error instanceof ApiError)
        logger.warn({ reason: error.message }, "tool sign-in not finished");
      else logger.warn({ err: error }, "tool sign-in not finished");
      return back("failed");
    }
  }),
});
