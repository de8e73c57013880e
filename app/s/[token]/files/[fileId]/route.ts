import { z } from "zod";
import { notFound } from "@/lib/http/errors";
import { methods, route } from "@/lib/http/route";
import { fileHeaders, responseBody } from "@/lib/attachments/download";
import { shareLinks } from "@/lib/sharing/share-links";
import { shareViewerId } from "@/lib/http/caller";
import { shareTokenPattern } from "@/lib/shared/share-links";

type Params = { token: string; fileId: string };

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * A file of a snapshot, to whoever may open its link right now (the same check as the page, so a
   * revoked link's files go with it); anything else — an unknown or malformed token or file id,
   * another link's file, an attachment's id — is the same 404. Served like an attachment (images
   * inline, the rest downloaded, never sniffed; the sandbox policy in next.config.ts) and never cached.
   */
  GET: route<Params>({ auth: "public" }, async ({ request, params }) => {
    const { token, fileId } = params;
    if (!shareTokenPattern.test(token) || !z.uuid().safeParse(fileId).success) throw notFound("File");
    const file = await shareLinks.readFileByToken(token, fileId.toLowerCase(), await shareViewerId(request.headers));
    if (!file) throw notFound("File");
    return new Response(responseBody(file.bytes), {
      headers: {
        ...fileHeaders({ name: file.name, type: file.type, size: file.bytes.byteLength }),
        "cache-control": "no-store",
      },
    });
  }),
});
