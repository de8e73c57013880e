import { methods, route } from "@/lib/http/route";
import { fileHeaders, responseBody } from "@/lib/attachments/download";
import { parseId, parseProjectId } from "@/lib/http/validation";
import { projectFiles } from "@/lib/projects/project-files";
import { missingIn } from "../../../../schema";

type Params = { id: string; fileId: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * The file's bytes, for anyone who may see the project, served as attachments are
   * (lib/attachments/download.ts): its detected type, text always text/plain, downloaded rather
   * than shown, never sniffed; not kept by any cache, since access ends with membership.
   */
  GET: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const projectId = parseProjectId(params.id);
    const found = await projectFiles.fileContentForUser(caller.user.id, projectId, parseId(params.fileId, "File"));
    if (!found) throw await missingIn(caller.user.id, projectId, "File");
    return new Response(responseBody(found.bytes), {
      headers: {
        ...fileHeaders({ name: found.name, type: found.mediaType, size: found.bytes.byteLength }),
        "cache-control": "private, no-store",
      },
    });
  }),
});
