import { afterEach, expect, it, vi } from "vitest";
import { contextBeforeHeld } from "@/components/chat/runtime/history-adapter";
import { createRuntimeCache } from "@/components/chat/runtime/runtime-cache";
import type { ApiMessage } from "@/lib/client/api-client";
import { messageFormat } from "@/lib/shared/chat-messages";

afterEach(() => vi.unstubAllGlobals());

const text = (id: string, parentId: string | null, role: "user" | "assistant", format = messageFormat): ApiMessage => ({
  id,
  parentId,
  format,
  content: { role, parts: [{ type: "text", text: `text of ${id}` }] },
});

/** A cache holding thread t's newest part, hung under `rootParentId`, and the API answering `stored` for it. */
function partlyHeld(rootParentId: string, stored: ApiMessage[]) {
  const cache = createRuntimeCache();
  cache.partialThreads.set("t", { rootParentId, hidden: stored.length });
  const fetch = vi.fn(async () => Response.json({ messages: stored }));
  vi.stubGlobal("fetch", fetch);
  return { cache, fetch };
}

it("gives the model the stored messages above the part, oldest first, ending at the part's parent, read once", async () => {
  const stored = [
    text("a", null, "user"),
    text("b", "a", "assistant"),
    text("c", "b", "user"),
    text("x", "a", "assistant"),
  ];
  const { cache, fetch } = partlyHeld("c", stored);
  const context = await contextBeforeHeld(cache, "t", 10);
  expect(context.map((m) => m.id)).toEqual(["a", "b", "c"]);
  expect((await contextBeforeHeld(cache, "t", 2)).map((m) => m.id)).toEqual(["b", "c"]);
  expect(fetch).toHaveBeenCalledTimes(1);
});

it("refuses the send when the part's parent cannot be given to the model (stored in another format)", async () => {
  const stored = [text("a", null, "user"), text("b", "a", "assistant", "legacy/v1")];
  const { cache } = partlyHeld("b", stored);
  await expect(contextBeforeHeld(cache, "t", 10)).rejects.toThrow(/earlier messages could not be read/);
});
