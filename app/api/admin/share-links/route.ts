import { z } from "zod";
import { ApiError } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { shareLinks } from "@/lib/sharing/share-links";
import { authIdPattern, parseOrThrow, queryParams } from "@/lib/http/validation";

// A full address is at most a few hundred characters; the token is the last path segment.
const query = z.strictObject({
  userId: z.string().regex(authIdPattern, "is not a user id").optional(),
  link: z.string().trim().min(1, "must not be empty").max(2048, "must be at most 2048 characters").optional(),
});

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * How many links exist, per audience and per person; `?userId=` one person's links;
   * `?link=` the link a report names (its address or its token). Never a title, a message or a token.
   */
  GET: route({ auth: "admin" }, async ({ request }) => {
    const { userId, link } = parseOrThrow(query, queryParams(request));
    if (userId !== undefined && link !== undefined)
      throw new ApiError("bad_request", "Invalid request: give userId or link, not both");
    if (userId !== undefined) return Response.json({ links: await shareLinks.linksOfUserForAdmin(userId) });
    if (link !== undefined) return Response.json({ links: await shareLinks.findForAdmin(link) });
    return Response.json(await shareLinks.overviewForAdmin());
  }),
});
