import { methods, route } from "@/lib/http/route";
import { attachment } from "@/lib/chat/export";
import { threads } from "@/lib/chat/threads";

export const { GET, POST, PUT, PATCH, DELETE } = methods({
  /** "Download my data": the account and every thread with every message, as one JSON file. */
  GET: route({ auth: "user" }, async ({ caller }) => {
    const { id, name, email, createdAt } = caller.user;
    const data = {
      exportedAt: new Date().toISOString(),
      user: { id, name, email, createdAt },
      threads: await threads.exportThreadsForUser(caller.user.id),
    };
    return attachment(JSON.stringify(data, null, 2), "application/json", "threadkeeper-export.json");
  }),
});
