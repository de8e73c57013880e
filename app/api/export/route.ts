import { apiRoute, methodNotAllowed } from "@/lib/http/route";
import { attachment } from "@/lib/chat/export";
import { requireSession } from "@/lib/http/caller";
import { threads } from "@/lib/chat/threads";

/** "Download my data": the account and every thread with every message, as one JSON file. */
export const GET = apiRoute(async (request: Request) => {
  const session = await requireSession(request.headers);
  const { id, name, email, createdAt } = session.user;
  const data = {
    exportedAt: new Date().toISOString(),
    user: { id, name, email, createdAt },
    threads: await threads.exportThreadsForUser(session.user.id),
  };
  return attachment(JSON.stringify(data, null, 2), "application/json", "threadkeeper-export.json");
});

const otherMethod = methodNotAllowed("GET");
export { otherMethod as POST, otherMethod as PUT, otherMethod as PATCH, otherMethod as DELETE };
