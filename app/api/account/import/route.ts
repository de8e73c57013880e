import { consumeChatMessage } from "@/lib/chat/rate-limit";
import { importer, type ImportEvent } from "@/lib/import/import";
import { methods, route } from "@/lib/http/route";
import { multipartBoundary } from "@/lib/import/upload";
import { currentRequest } from "@/lib/observability/request-context";

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /**
   * A ChatGPT or Claude export (conversations.json or the export's zip, told apart by content) in
   * the multipart field `file`. Refused with the JSON error (400, 409, 413, 415, 429, 503) before
   * anything is written; once the file is found valid, 200 and a stream of progress lines
   * (application/x-ndjson, lib/import/import.ts `ImportEvent`), the last one "done" or "error".
   */
  POST: route({ auth: "user" }, async ({ request, caller }) => {
    multipartBoundary(request.headers.get("content-type"));
    // An import counts like a message, as an upload does, so imports cannot be used to get around the chat limits.
    await consumeChatMessage(caller.user.id);
    const { run } = await importer.prepareForUser(caller.user.id, request);
    const requestId = currentRequest()?.requestId;
    const encoder = new TextEncoder();
    let open = true;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        const emit = (event: ImportEvent) => {
          if (!open) return;
          const line = event.type === "error" ? { ...event, error: { ...event.error, requestId } } : event;
          try {
            controller.enqueue(encoder.encode(`${JSON.stringify(line)}\n`));
          } catch {
            // The page went away: the import goes on and finishes (or is undone) all the same.
            open = false;
          }
        };
        void run(emit).finally(() => {
          if (open) controller.close();
          open = false;
        });
      },
      cancel() {
        open = false;
      },
    });
    return new Response(body, {
      headers: { "Content-Type": "application/x-ndjson; charset=utf-8", "Cache-Control": "no-store" },
    });
  }),
});
