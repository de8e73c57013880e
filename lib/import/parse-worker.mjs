// The worker thread that reads one uploaded export (started by lib/import/import.ts). Plain JavaScript outside
// the bundles, so `next start` and the standalone folder run the same file.
//
// Pass 1 reads the whole file and maps every conversation, writing nothing: the first problem ends it
// ({ type: "invalid" }), else { type: "valid" } with the counts. Then, told { type: "import" }, pass 2 reads it
// again and hands the mapped conversations over in batches ({ type: "batch" }), each only once the one before
// was written ({ type: "next" }), so neither thread ever holds more than a batch.
import { parentPort, workerData } from "node:worker_threads";
import { ImportProblem } from "./conversation.mjs";
import { mapConversation, readExport } from "./export-file.mjs";

const { path, limits, batchConversations, batchMessages, batchBytes } = workerData;

const inbox = [];
let waiting = null;
parentPort.on("message", (message) => {
  if (waiting) {
    const resolve = waiting;
    waiting = null;
    resolve(message);
  } else inbox.push(message);
});
const nextMessage = () => (inbox.length > 0 ? Promise.resolve(inbox.shift()) : new Promise((r) => (waiting = r)));

function mapped(raw, index) {
  if (index >= limits.maxConversations) {
    throw new ImportProblem(
      `The file has more than ${limits.maxConversations} conversations, the most one import may hold.`,
      "payload_too_large",
    );
  }
  return mapConversation(raw, index, limits);
}

async function validate() {
  let conversations = 0;
  let empty = 0;
  let messages = 0;
  await readExport(path, limits, (raw, index) => {
    const conversation = mapped(raw, index);
    if (conversation.messages.length === 0) empty++;
    else {
      conversations++;
      messages += conversation.messages.length;
    }
  });
  if (conversations + empty === 0) throw new ImportProblem("The file holds no conversations.");
  return { conversations, empty, messages };
}

async function emit() {
  let batch = [];
  let messages = 0;
  let bytes = 0;
  const flush = async () => {
    parentPort.postMessage({ type: "batch", conversations: batch });
    batch = [];
    messages = 0;
    bytes = 0;
    const reply = await nextMessage();
    if (reply.type !== "next") throw new Error("import stopped");
  };
  await readExport(path, limits, async (raw, index) => {
    const conversation = mapped(raw, index);
    // An empty conversation (every message hidden or deleted) makes no thread.
    if (conversation.messages.length === 0) return;
    batch.push(conversation);
    messages += conversation.messages.length;
    // Counts alone would let 200 conversations of megabytes each into one batch, which the main thread copies
    // and serialises several times over: bytes bound it too (one conversation larger than that goes alone).
    for (const m of conversation.messages) bytes += m.content.length;
    if (batch.length >= batchConversations || messages >= batchMessages || bytes >= batchBytes) await flush();
  });
  if (batch.length > 0) await flush();
}

try {
  const counts = await validate();
  parentPort.postMessage({ type: "valid", ...counts });
  const go = await nextMessage();
  if (go.type === "import") {
    await emit();
    parentPort.postMessage({ type: "done" });
  }
} catch (error) {
  if (error instanceof ImportProblem)
    parentPort.postMessage({ type: "invalid", code: error.code, message: error.message });
  else throw error;
}
