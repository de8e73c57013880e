import { ApiError, notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { consumeChatMessage } from "@/lib/chat/rate-limit";
import { usage } from "@/lib/chat/usage";
import { limits } from "@/lib/http/limits";
import { readLimitedBody } from "@/lib/http/request-body";
import { parseProjectId } from "@/lib/http/validation";
import { projectLimits } from "@/lib/projects/limits";
import { projects } from "@/lib/projects/projects";
import { projectFiles } from "@/lib/projects/project-files";
import { notAnEditor } from "../../schema";

type Params = { id: string };

// Room for the multipart boundaries and part headers around a file of the largest allowed size.
const multipartOverhead = 64 * 1024;

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  GET: route<Params>({ auth: "user" }, async ({ caller, params }) => {
    const files = await projectFiles.listFilesForUser(caller.user.id, parseProjectId(params.id));
    if (!files) throw notFound("Project");
    return Response.json({ files });
  }),

  /**
   * One file, in the multipart field `file`, as for attachments: 201 with the file "queued"; its
   * text is indexed in the background (lib/projects/indexer.ts), never on this request's path.
   */
  POST: route<Params>({ auth: "user" }, async ({ request, caller, params }) => {
    const projectId = parseProjectId(params.id);
    const contentType = request.headers.get("content-type") ?? "";
    if (!/^multipart\/form-data\s*;/i.test(contentType)) {
      throw new ApiError("unsupported_media_type", 'Send the file as multipart/form-data, in the field "file".');
    }
    // Refused before the body is read: no one reads megabytes for a project they may not change.
    // The data layer checks again, in the transaction that writes the file.
    const project = await projects.getProjectForUser(caller.user.id, projectId);
    if (!project) throw notFound("Project");
    if (!project.canEdit) throw notAnEditor();
    // Indexing embeds the file's text on the uploader's tokens: over their quota (or the
    // workspace's), 429 before the body is read. The data layer checks again.
    if (projectLimits.embeddingModel)
      await usage.assertWithinQuotaForWorkspaceUser(caller.user.id, caller.user.tokenQuota, project.workspaceId);
    // An upload counts like a message, so uploads cannot be used to get around the chat limits.
    await consumeChatMessage(caller.user.id);
    const body = await readLimitedBody(request, limits.maxAttachmentBytes + multipartOverhead);
    const form = await new Response(body, { headers: { "content-type": contentType } }).formData().catch(() => {
      throw new ApiError("bad_request", "Invalid request: the multipart body could not be read.");
    });
    const files = form.getAll("file");
    if (files.length !== 1 || typeof files[0] === "string") {
      throw new ApiError("bad_request", 'Invalid request: send exactly one file, in the field "file".');
    }
    const file = files[0];
    // Size (413), emptiness (400), type (415), the project's limits (409, 413), the uploader's files
    // waiting to be indexed (429 rate_limited) and the quota (429) are checked by the data layer.
    const uploaded = await projectFiles.uploadFileForUser(
      caller.user.id,
      projectId,
      { name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) },
      caller.user.tokenQuota,
    );
    if (uploaded === null) throw notFound("Project");
    if (uploaded === "forbidden") throw notAnEditor();
    return Response.json(uploaded, { status: 201 });
  }),
});
