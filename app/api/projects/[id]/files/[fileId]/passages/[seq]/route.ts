import { methods, route } from "@/lib/http/route";
import { parseId, parsePassageSeq, parseProjectId } from "@/lib/http/validation";
import { projectFiles } from "@/lib/projects/project-files";
import { missingIn } from "../../../../../schema";

type Params = { id: string; fileId: string; seq: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** One passage of an indexed file, with its neighbours' numbers: what a reply's source opens. */
  GET: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const projectId = parseProjectId(params.id);
    const fileId = parseId(params.fileId, "File");
    const passage = await projectFiles.passageForUser(caller.user.id, projectId, fileId, parsePassageSeq(params.seq));
    if (!passage) throw await missingIn(caller.user.id, projectId, "Passage");
    return Response.json(passage);
  }),
});
