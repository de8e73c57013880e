import { z } from "zod";
import { methods, route } from "@/lib/http/route";
import { projects } from "@/lib/projects/projects";
import { readJsonBody } from "@/lib/http/validation";
import { instructions, projectName } from "./schema";

const createBody = z.strictObject({ name: projectName, instructions: instructions.optional() });

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** The projects of the session's active space the caller may see, each with their newest threads in it. */
  GET: route({ auth: "user" }, async ({ caller }) => {
    return Response.json({
      projects: await projects.listProjectsForUser(caller.user.id, caller.workspace?.id ?? null),
    });
  }),

  /** A new project in the session's active space (a workspace: membership checked as it is written). */
  POST: route({ auth: "user" }, async ({ request, caller }) => {
    const body = await readJsonBody(request, createBody);
    const created = await projects.createProjectForUser(caller.user.id, caller.workspace?.id ?? null, {
      name: body.name,
      instructions: body.instructions ?? "",
    });
    return Response.json(created, { status: 201 });
  }),
});
