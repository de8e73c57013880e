import { z } from "zod";
import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { threadJson } from "@/lib/chat/threads";
import { projects } from "@/lib/projects/projects";
import { projectFiles } from "@/lib/projects/project-files";
import { parseProjectId, readJsonBody } from "@/lib/http/validation";
import { instructions, notAnEditor, projectName } from "../schema";

type Params = { id: string };

const patchBody = z
  .strictObject({ name: projectName.optional(), instructions: instructions.optional() })
  .refine((b) => b.name !== undefined || b.instructions !== undefined, "give a name or instructions");

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** The project, its files and the caller's threads in it (their own and those shared with them). */
  GET: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const id = parseProjectId(params.id);
    const [project, files, threads] = await Promise.all([
      projects.getProjectForUser(caller.user.id, id),
      projectFiles.listFilesForUser(caller.user.id, id),
      projects.listProjectThreadsForUser(caller.user.id, id),
    ]);
    // Each read checks visibility on its own; any one missing means the project is not the caller's to see.
    if (!project || !files || !threads) throw notFound("Project");
    return Response.json({ project, files, threads: threads.map((t) => threadJson(t)) });
  }),

  PATCH: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const id = parseProjectId(params.id);
    const body = await readJsonBody(request, patchBody);
    const updated = await projects.updateProjectForUser(caller.user.id, id, body);
    if (updated === null) throw notFound("Project");
    if (updated === "forbidden") throw notAnEditor();
    return Response.json(updated);
  }),

  /** Its files and passages go with it; its threads stay, in no project. */
  DELETE: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const outcome = await projects.deleteProjectForUser(caller.user.id, parseProjectId(params.id));
    if (outcome === null) throw notFound("Project");
    if (outcome === "forbidden") throw notAnEditor();
    return new Response(null, { status: 204 });
  }),
});
