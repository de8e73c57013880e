import { methods, route } from "@/lib/http/route";
import { parseId, parseProjectId } from "@/lib/http/validation";
import { projectFiles } from "@/lib/projects/project-files";
import { missingIn, notAnEditor } from "../../../schema";

type Params = { id: string; fileId: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** The file's state (queued, indexing, indexed, failed with a reason): the project page polls it. */
  GET: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const projectId = parseProjectId(params.id);
    const file = await projectFiles.getFileForUser(caller.user.id, projectId, parseId(params.fileId, "File"));
    if (!file) throw await missingIn(caller.user.id, projectId, "File");
    return Response.json(file);
  }),

  /** The file, its passages and its place in the indexing queue go; replies that cited it keep their sources, which then open a 404. */
  DELETE: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const projectId = parseProjectId(params.id);
    const outcome = await projectFiles.deleteFileForUser(caller.user.id, projectId, parseId(params.fileId, "File"));
    if (outcome === null) throw await missingIn(caller.user.id, projectId, "File");
    if (outcome === "forbidden") throw notAnEditor();
    return new Response(null, { status: 204 });
  }),
});
