// An import worker that finds the file valid, hands over one batch, then never sends another: an import
// whose pass 2 runs forever, as lib/import/import.ts sees it.
import { randomUUID } from "node:crypto";
import { parentPort } from "node:worker_threads";

setInterval(() => {}, 60_000);
parentPort.postMessage({ type: "valid", conversations: 2, empty: 0, messages: 2 });
parentPort.once("message", () => {
  const id = randomUUID();
  const content = JSON.stringify({ role: "user", parts: [{ type: "text", text: "stalled" }] });
  parentPort.postMessage({
    type: "batch",
    conversations: [
      {
        title: "Stalled",
        createdAt: Date.UTC(2024, 0, 1),
        updatedAt: Date.UTC(2024, 0, 1),
        lastMessageAt: Date.UTC(2024, 0, 1),
        messages: [{ id, parentId: null, role: "user", createdAt: Date.UTC(2024, 0, 1), content }],
      },
    ],
  });
});
