import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { readJsonBody } from "@/lib/http/validation";
import { projects } from "@/lib/projects/projects";
import { instructions } from "../../projects/schema";

const putBody = z.strictObject({ instructions });

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** "What the model should know about you": applied to every thread of the caller's, before a project's. */
  GET: route({ auth: "user" }, async ({ caller }) => {
    return Response.json({ instructions: await projects.getPersonalInstructions(caller.user.id) });
  }),

  /** Replaces them; "" removes them. */
  PUT: route({ auth: "user" }, async ({ request, caller }) => {
    const body = await readJsonBody(request, putBody);
    return Response.json({ instructions: await projects.setPersonalInstructions(caller.user.id, body.instructions) });
  }),
});
