import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/**
 * A small OpenAI-compatible server for tests: Chat Completions and the Responses API, streamed
 * or not, with deterministic replies. A marker in the last user message picks the behaviour,
 * so tests running in parallel never share state:
 *   [slow]  40 tokens, 100 ms apart         [fail-500] HTTP 500      [fail-429] HTTP 429
 *   [cut]   stream stops half-way (socket destroyed)                  [stall] never answers
 *   [tokens=N] N tokens                    [delay=M] M ms between tokens (benchmarks)
 *   [hold=N] the reply waits before its Nth streamed token (thinking included) until POST /__release
 *            names the same text ({"text": ...}): surely still streaming, however slow the machine
 *   [reason] thinks first: `reasoning_content` deltas (Chat Completions) or a reasoning summary
 *            (Responses API), then answers
 * Every request's model and last user text is recorded ("[model] text", "[model title] text" for
 * title requests); GET /__requests lists them. A streamed reply whose connection the app closed
 * before the end is listed by GET /__closed with its text and the time it closed. What the last
 * user message carried besides its words (images, files, every text part) is listed by
 * GET /__parts, images and files by the SHA-256 of their bytes. [no-images] answers 400 to a
 * request that holds an image, as a model without vision does.
 *
 * Tools, in both API shapes (Chat Completions streamed `tool_calls` deltas; Responses API
 * `function_call` output items), only when the request offers tools:
 *   [tool=NAME {"json":"args"}]  the first answer is a call of NAME with those arguments (JSON optional: {})
 *   [tool-loop=NAME {...}]       every answer is a call of NAME (to hit the app's step limit)
 * A request whose messages end with a tool result (Chat Completions role "tool"; Responses
 * `function_call_output`) is answered `Tool result: <first 200 characters of it>` (of its `text`
 * when the result is JSON with one, as the app's `{ outcome, text }` is). A tool the request does
 * not offer is answered `Tool NAME is not offered.` Every request that offers tools is listed by
 * GET /__tool-results: the user's text, the tool names offered, and the tool result it ended with
 * (whole, as received), so tests can check what the model was told.
 *
 * Instructions: every request's system text (Chat Completions `system`/`developer` messages; the
 * Responses API's `instructions` and system/developer input items, joined by blank lines; null
 * when there is none) is listed by GET /__system with the user's text, title requests left out.
 *   [system] the reply is `System: <the whole system text>` (or `System: (none)`), so a browser
 *            test can read what the model was told
 *
 * Embeddings: POST /v1/embeddings in OpenAI's shape (`{ model, input: string | string[] }`) answers
 * deterministic 256-dimensional unit vectors made from the text's lowercased word stems and
 * character trigrams (see fakeEmbedding), so texts sharing words point the same way. GET
 * /__embeddings → `{ requests, inputs }`. An input holding [fail-embeddings] gets HTTP 500.
 */
export type FakeOpenAI = {
  url: string;
  seen: () => string[];
  systems: () => ReceivedSystem[];
  embeddings: () => { requests: number; inputs: string[] };
  closed: () => ClosedEarly[];
  parts: () => ReceivedParts[];
  toolExchanges: () => ToolExchange[];
  close: () => Promise<void>;
};
/** A request that offered tools: what it asked, which tools, and the tool result it ended with (or null). */
export type ToolExchange = { api: "chat" | "responses"; text: string; offered: string[]; result: string | null };
export type ReceivedParts = {
  text: string;
  texts: string[];
  images: { mediaType: string; sha256: string }[];
  files: { filename?: string; mediaType: string; sha256: string }[];
};
export type ClosedEarly = { text: string; at: number };
/** A request's instructions: the user's text it came with, and the system text (null: none). */
export type ReceivedSystem = { userText: string; system: string | null };

type ChatBody = {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  messages?: { role: string; content: unknown }[];
  input?: unknown;
  tools?: { type?: string; name?: string; function?: { name?: string } }[];
};

/** The names of the function tools a request offers (both API shapes). */
function offeredTools(body: ChatBody): string[] {
  return (body.tools ?? []).flatMap((t) => {
    const name = t.function?.name ?? t.name;
    return typeof name === "string" ? [name] : [];
  });
}

/** The tool result the request's messages end with, as sent (null when they end otherwise). */
function endingToolResult(body: ChatBody): string | null {
  if (body.messages) {
    const last = body.messages.at(-1);
    return last?.role === "tool" ? textOf(last.content) || String(last.content ?? "") : null;
  }
  const last = (Array.isArray(body.input) ? body.input : []).at(-1) as { type?: string; output?: unknown } | undefined;
  if (last?.type !== "function_call_output") return null;
  return typeof last.output === "string" ? last.output : textOf(last.output);
}

/** What a tool result says: its `text` when it is JSON with one (the app's `{ outcome, text }`), else itself. */
function resultText(result: string): string {
  try {
    const value = JSON.parse(result) as { text?: unknown };
    if (value && typeof value.text === "string") return value.text;
  } catch {
    // not JSON: the result as it is
  }
  return result;
}

/** `[tool=NAME {json}]` or `[tool-loop=NAME {json}]` in the user's text: the tool and its arguments. */
export function toolMarker(userText: string): { name: string; args: string; loop: boolean } | null {
  const match = /\[tool(-loop)?=([A-Za-z0-9_-]+)/.exec(userText);
  if (!match) return null;
  const rest = userText.slice(match.index + match[0].length);
  const open = rest.search(/\S/);
  let args = "{}";
  if (open >= 0 && rest[open] === "{") {
    // The shortest balanced JSON object that parses, followed by "]".
    for (let end = rest.indexOf("}", open); end >= 0; end = rest.indexOf("}", end + 1)) {
      const candidate = rest.slice(open, end + 1);
      try {
        JSON.parse(candidate);
        if (/^\s*\]/.test(rest.slice(end + 1))) {
          args = candidate;
          break;
        }
      } catch {
        // not yet the whole object
      }
    }
  }
  return { name: match[2]!, args, loop: match[1] === "-loop" };
}

let toolCallCounter = 0;
const newToolCallId = () => `call_${Date.now().toString(36)}_${++toolCallCounter}`;

async function streamChatToolCall(
  res: ServerResponse,
  name: string,
  args: string,
  usage: ReturnType<typeof fakeUsage> | null,
) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const id = `chatcmpl-${Date.now()}`;
  const chunk = (delta: unknown, finish: string | null = null) =>
    sse(res, {
      id,
      object: "chat.completion.chunk",
      created: 0,
      model: "fake",
      choices: [{ index: 0, delta, ...(finish && { finish_reason: finish }) }],
    });
  chunk({
    role: "assistant",
    tool_calls: [{ index: 0, id: newToolCallId(), type: "function", function: { name, arguments: "" } }],
  });
  chunk({ tool_calls: [{ index: 0, function: { arguments: args } }] });
  chunk({}, "tool_calls");
  if (usage) {
    sse(res, {
      id,
      object: "chat.completion.chunk",
      created: 0,
      model: "fake",
      choices: [],
      usage: {
        prompt_tokens: usage.input,
        completion_tokens: usage.output,
        total_tokens: usage.input + usage.output,
      },
    });
  }
  sse(res, "[DONE]");
  res.end();
}

async function streamResponsesToolCall(
  res: ServerResponse,
  name: string,
  args: string,
  usage: ReturnType<typeof fakeUsage>,
) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const response = {
    id: `resp_${Date.now()}`,
    object: "response",
    created_at: 0,
    model: "fake",
    status: "in_progress",
    output: [],
  };
  const itemId = `fc_${Date.now().toString(36)}_${toolCallCounter + 1}`;
  const callId = newToolCallId();
  sse(res, { type: "response.created", response });
  sse(res, {
    type: "response.output_item.added",
    output_index: 0,
    item: { type: "function_call", id: itemId, call_id: callId, name, arguments: "", status: "in_progress" },
  });
  sse(res, { type: "response.function_call_arguments.delta", item_id: itemId, output_index: 0, delta: args });
  sse(res, { type: "response.function_call_arguments.done", item_id: itemId, output_index: 0, arguments: args });
  const item = { type: "function_call", id: itemId, call_id: callId, name, arguments: args, status: "completed" };
  sse(res, { type: "response.output_item.done", output_index: 0, item });
  sse(res, {
    type: "response.completed",
    response: {
      ...response,
      status: "completed",
      output: [item],
      usage: {
        input_tokens: usage.input,
        output_tokens: usage.output,
        total_tokens: usage.input + usage.output,
        input_tokens_details: { cached_tokens: 0 },
        output_tokens_details: { reasoning_tokens: 0 },
      },
    },
  });
  res.end();
}

function textOf(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) {
    return content
      .map((part) =>
        typeof part === "object" && part && "text" in part ? String((part as { text: unknown }).text) : "",
      )
      .join("");
  }
  return "";
}

/** A data URL's media type and the SHA-256 of its bytes. */
function dataUrlDigest(url: string): { mediaType: string; sha256: string } {
  const match = /^data:([^;,]+)(;base64)?,(.*)$/s.exec(url);
  if (!match) return { mediaType: "url", sha256: url };
  const bytes = match[2] ? Buffer.from(match[3]!, "base64") : Buffer.from(decodeURIComponent(match[3]!));
  return { mediaType: match[1]!, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/** The parts of the last user message, from Chat Completions or Responses API shapes. */
function lastUserParts(body: ChatBody, text: string): ReceivedParts {
  const list = (body.messages ?? (Array.isArray(body.input) ? body.input : [])) as {
    role?: string;
    content?: unknown;
  }[];
  const content = list.filter((m) => m.role === "user").at(-1)?.content;
  const received: ReceivedParts = { text, texts: [], images: [], files: [] };
  for (const part of Array.isArray(content)
    ? (content as Record<string, unknown>[])
    : [{ type: "text", text: content }]) {
    if ((part.type === "text" || part.type === "input_text") && typeof part.text === "string")
      received.texts.push(part.text);
    else if (part.type === "image_url") received.images.push(dataUrlDigest((part.image_url as { url: string }).url));
    else if (part.type === "input_image") received.images.push(dataUrlDigest(part.image_url as string));
    else if (part.type === "input_file" || part.type === "file") {
      const file = (part.type === "file" ? part.file : part) as { filename?: string; file_data?: string };
      received.files.push({ filename: file.filename, ...dataUrlDigest(file.file_data ?? "") });
    }
  }
  return received;
}

function lastUserText(body: ChatBody): string {
  const list = (body.messages ?? (Array.isArray(body.input) ? body.input : [])) as {
    role?: string;
    content?: unknown;
  }[];
  const user = list.filter((m) => m.role === "user").at(-1);
  return user ? textOf(user.content) : "";
}

/** The system text a request carries, in both API shapes, or null when it has none. */
export function systemTextOf(body: ChatBody & { instructions?: unknown }): string | null {
  const list = (body.messages ?? (Array.isArray(body.input) ? body.input : [])) as {
    role?: string;
    content?: unknown;
  }[];
  const texts = [
    ...(typeof body.instructions === "string" && body.instructions ? [body.instructions] : []),
    ...list.filter((m) => m.role === "system" || m.role === "developer").map((m) => textOf(m.content)),
  ];
  return texts.length ? texts.join("\n\n") : null;
}

/** The app's title request (app/api/threads/[id]/title): its own instructions, never a person's or a project's. */
function isTitleRequest(body: ChatBody): boolean {
  return /\bWrite a title\b/i.test(systemTextOf(body) ?? "");
}

/** `System: <text>` in tokens of a few words each, whitespace and line breaks kept as they are. */
export function systemReplyTokens(system: string | null): string[] {
  return ["System: ", ...(system ?? "(none)").split(/(?<=\s)/)];
}

export const fakeEmbeddingDimensions = 256;

/** A word's crude stem: lowercased, common English endings dropped ("planning", "planned", "plans" → "plan"). */
function stem(word: string): string {
  for (const suffix of ["ing", "ed", "es", "s", "ly"])
    if (word.length > suffix.length + 2 && word.endsWith(suffix)) return word.slice(0, -suffix.length);
  return word;
}

/** FNV-1a: a feature's bucket and sign, the same in every run. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A deterministic unit vector for a text (feature hashing): each word stem counts 1 and each
 * character trigram of it 0.5, in a bucket and with a sign picked by its hash. Texts that share
 * words or word pieces get a high cosine; unrelated ones about 0. Empty text: the first axis.
 */
export function fakeEmbedding(text: string): number[] {
  const vector = new Array<number>(fakeEmbeddingDimensions).fill(0);
  const add = (feature: string, weight: number) => {
    const hash = fnv1a(feature);
    vector[hash % fakeEmbeddingDimensions]! += hash & 0x80000000 ? -weight : weight;
  };
  for (const word of text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []) {
    const stemmed = stem(word);
    add(`w:${stemmed}`, 1);
    const padded = ` ${stemmed} `;
    for (let i = 0; i + 3 <= padded.length; i++) add(`t:${padded.slice(i, i + 3)}`, 0.5);
  }
  const norm = Math.hypot(...vector);
  if (norm === 0) return vector.map((_, i) => (i === 0 ? 1 : 0));
  return vector.map((v) => v / norm);
}

/** The reply the fake model gives: known in advance, so tests can assert on it. */
export function fakeReplyTokens(userText: string): string[] {
  if (userText.includes("[slow]")) return Array.from({ length: 40 }, (_, i) => `word${i + 1} `);
  const count = /\[tokens=(\d+)\]/.exec(userText);
  if (count) return Array.from({ length: Number(count[1]) }, (_, i) => `t${i + 1} `);
  const echo = userText.replace(/\s+/g, " ").trim().slice(0, 200);
  return ["Fake ", "model ", "says: ", ...echo.split(" ").map((w) => `${w} `), "— done."];
}

export function fakeTitle(userText: string): string {
  return `Title: ${userText
    .replace(/\[[a-z0-9-]+\]/g, "")
    .trim()
    .split(/\s+/)
    .slice(0, 4)
    .join(" ")}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readJson(req: IncomingMessage): Promise<ChatBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as ChatBody;
}

function sse(res: ServerResponse, data: unknown) {
  res.write(`data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`);
}

export const fakeReasoning = ["Let ", "me ", "think ", "about ", "that."];

/** What the fake reports it used, in its final chunk: known in advance, so tests can compare. */
export function fakeUsage(userText: string, tokens: string[], reason: boolean) {
  const input = 10 + userText.split(/\s+/).filter(Boolean).length;
  const output = tokens.length + (reason ? fakeReasoning.length : 0);
  return { input, output, reasoning: reason ? fakeReasoning.length : 0, cached: 4 };
}

/** Before streamed token number `at` (0-based, thinking included), waits for `released`. */
type Hold = { at: number; released: Promise<void> } | null;

async function streamChatCompletion(
  res: ServerResponse,
  tokens: string[],
  delay: number,
  cut: boolean,
  reason: boolean,
  usage: ReturnType<typeof fakeUsage> | null,
  hold: Hold,
) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const id = `chatcmpl-${Date.now()}`;
  const thought = reason ? fakeReasoning : [];
  for (const [i, token] of thought.entries()) {
    if (hold?.at === i) await hold.released;
    sse(res, {
      id,
      object: "chat.completion.chunk",
      created: 0,
      model: "fake",
      choices: [{ index: 0, delta: { role: "assistant", reasoning_content: token } }],
    });
    if (delay) await sleep(delay);
  }
  for (const [i, token] of tokens.entries()) {
    if (hold?.at === (reason ? fakeReasoning.length : 0) + i) await hold.released;
    if (res.destroyed) return;
    if (cut && i === Math.floor(tokens.length / 2)) return void res.destroy();
    sse(res, {
      id,
      object: "chat.completion.chunk",
      created: 0,
      model: "fake",
      choices: [{ index: 0, delta: { role: "assistant", content: token } }],
    });
    if (delay) await sleep(delay);
  }
  sse(res, {
    id,
    object: "chat.completion.chunk",
    created: 0,
    model: "fake",
    choices: [{ index: 0, delta: {}, finish_reason: "stop" }],
  });
  // Sent only when asked (stream_options.include_usage), as OpenAI and its imitators do.
  if (usage) {
    sse(res, {
      id,
      object: "chat.completion.chunk",
      created: 0,
      model: "fake",
      choices: [],
      usage: {
        prompt_tokens: usage.input,
        completion_tokens: usage.output,
        total_tokens: usage.input + usage.output,
        prompt_tokens_details: { cached_tokens: usage.cached },
        completion_tokens_details: { reasoning_tokens: usage.reasoning },
      },
    });
  }
  sse(res, "[DONE]");
  res.end();
}

async function streamResponses(
  res: ServerResponse,
  tokens: string[],
  delay: number,
  cut: boolean,
  reason: boolean,
  usage: ReturnType<typeof fakeUsage>,
  hold: Hold,
) {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const itemId = `msg_${Date.now()}`;
  const response = {
    id: `resp_${Date.now()}`,
    object: "response",
    created_at: 0,
    model: "fake",
    status: "in_progress",
    output: [],
  };
  sse(res, { type: "response.created", response });
  const out = reason ? 1 : 0;
  if (reason) {
    const rs = `rs_${Date.now()}`;
    sse(res, { type: "response.output_item.added", output_index: 0, item: { type: "reasoning", id: rs, summary: [] } });
    sse(res, {
      type: "response.reasoning_summary_part.added",
      item_id: rs,
      output_index: 0,
      summary_index: 0,
      part: { type: "summary_text", text: "" },
    });
    for (const [i, delta] of fakeReasoning.entries()) {
      if (hold?.at === i) await hold.released;
      sse(res, {
        type: "response.reasoning_summary_text.delta",
        item_id: rs,
        output_index: 0,
        summary_index: 0,
        delta,
      });
      if (delay) await sleep(delay);
    }
    sse(res, {
      type: "response.reasoning_summary_part.done",
      item_id: rs,
      output_index: 0,
      summary_index: 0,
      part: { type: "summary_text", text: fakeReasoning.join("") },
    });
    sse(res, {
      type: "response.output_item.done",
      output_index: 0,
      item: { type: "reasoning", id: rs, summary: [{ type: "summary_text", text: fakeReasoning.join("") }] },
    });
  }
  sse(res, {
    type: "response.output_item.added",
    output_index: out,
    item: { type: "message", id: itemId, role: "assistant", status: "in_progress", content: [] },
  });
  for (const [i, token] of tokens.entries()) {
    if (hold?.at === (reason ? fakeReasoning.length : 0) + i) await hold.released;
    if (res.destroyed) return;
    if (cut && i === Math.floor(tokens.length / 2)) return void res.destroy();
    sse(res, {
      type: "response.output_text.delta",
      item_id: itemId,
      output_index: out,
      content_index: 0,
      delta: token,
    });
    if (delay) await sleep(delay);
  }
  const text = tokens.join("");
  const item = {
    type: "message",
    id: itemId,
    role: "assistant",
    status: "completed",
    content: [{ type: "output_text", text, annotations: [] }],
  };
  sse(res, { type: "response.output_item.done", output_index: out, item });
  sse(res, {
    type: "response.completed",
    response: {
      ...response,
      status: "completed",
      output: [item],
      usage: {
        input_tokens: usage.input,
        output_tokens: usage.output,
        total_tokens: usage.input + usage.output,
        input_tokens_details: { cached_tokens: usage.cached },
        output_tokens_details: { reasoning_tokens: usage.reasoning },
      },
    },
  });
  res.end();
}

/** `host`: where it listens (127.0.0.1; the container test also lets containers on podman's networks reach it). */
export async function startFakeOpenAI(
  options: { tokenDelayMs?: number; port?: number; host?: string } = {},
): Promise<FakeOpenAI> {
  const seen: string[] = [];
  const closed: ClosedEarly[] = [];
  const received: ReceivedParts[] = [];
  const exchanges: ToolExchange[] = [];
  const systems: ReceivedSystem[] = [];
  const embedded = { requests: 0, inputs: [] as string[] };
  const baseDelay = options.tokenDelayMs ?? 5;
  // [hold=N] replies by their text: released ones, and the release of those still waiting.
  const released = new Set<string>();
  const waiting = new Map<string, (() => void)[]>();
  const holdFor = (text: string) =>
    released.has(text)
      ? Promise.resolve()
      : new Promise<void>((resolve) => waiting.set(text, [...(waiting.get(text) ?? []), resolve]));

  const server: Server = createServer(async (req, res) => {
    try {
      const url = req.url ?? "";
      if (req.method === "GET" && url === "/__requests") {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(JSON.stringify({ requests: seen }));
      }
      if (req.method === "GET" && url === "/__parts") {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(JSON.stringify({ parts: received }));
      }
      if (req.method === "GET" && url === "/__tool-results") {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(JSON.stringify({ exchanges }));
      }
      if (req.method === "GET" && url === "/__system") {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(JSON.stringify(systems));
      }
      if (req.method === "GET" && url === "/__embeddings") {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(JSON.stringify(embedded));
      }
      if (req.method === "POST" && url.endsWith("/embeddings")) {
        const body = (await readJson(req)) as { model?: string; input?: unknown };
        const inputs = (Array.isArray(body.input) ? body.input : [body.input]).map((i) => String(i ?? ""));
        embedded.requests++;
        embedded.inputs.push(...inputs);
        if (inputs.some((i) => i.includes("[fail-embeddings]"))) {
          res.writeHead(500, { "content-type": "application/json" });
          return void res.end(JSON.stringify({ error: { message: "fake embedding failure", type: "server_error" } }));
        }
        const tokens = inputs.reduce((sum, i) => sum + (i.match(/\S+/g)?.length ?? 0), 0);
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(
          JSON.stringify({
            object: "list",
            model: body.model ?? "fake-embedding",
            data: inputs.map((input, index) => ({ object: "embedding", index, embedding: fakeEmbedding(input) })),
            usage: { prompt_tokens: tokens, total_tokens: tokens },
          }),
        );
      }
      if (req.method === "GET" && url === "/__closed") {
        res.writeHead(200, { "content-type": "application/json" });
        return void res.end(JSON.stringify({ closed }));
      }
      if (req.method === "POST" && url === "/__release") {
        const { text } = (await readJson(req)) as { text?: string };
        released.add(String(text));
        for (const release of waiting.get(String(text)) ?? []) release();
        waiting.delete(String(text));
        res.writeHead(204);
        return void res.end();
      }
      const isChat = url.endsWith("/chat/completions");
      const isResponses = url.endsWith("/responses");
      if (req.method !== "POST" || (!isChat && !isResponses)) {
        res.writeHead(404, { "content-type": "application/json" });
        return void res.end(JSON.stringify({ error: { message: `no route ${req.method} ${url}` } }));
      }
      const body = await readJson(req);
      const userText = lastUserText(body);
      seen.push(`[${body.model}${isTitleRequest(body) ? " title" : ""}] ${userText}`);
      const parts = lastUserParts(body, userText);
      const system = systemTextOf(body);
      if (!isTitleRequest(body)) {
        received.push(parts);
        systems.push({ userText, system });
      }
      if (userText.includes("[no-images]") && parts.images.length > 0) {
        res.writeHead(400, { "content-type": "application/json" });
        return void res.end(
          JSON.stringify({
            error: { message: "This model does not support image input.", type: "invalid_request_error" },
          }),
        );
      }
      if (userText.includes("[stall]")) return; // never answers; the client must time out
      for (const status of [500, 429] as const) {
        if (userText.includes(`[fail-${status}]`)) {
          res.writeHead(status, { "content-type": "application/json", ...(status === 429 && { "retry-after": "1" }) });
          return void res.end(JSON.stringify({ error: { message: `fake failure ${status}`, type: "server_error" } }));
        }
      }
      const title = isTitleRequest(body);
      const offered = title ? [] : offeredTools(body);
      const toolResult = offered.length ? endingToolResult(body) : null;
      if (offered.length)
        exchanges.push({ api: isChat ? "chat" : "responses", text: userText, offered, result: toolResult });
      const marker = offered.length ? toolMarker(userText) : null;
      if (marker && body.stream && (toolResult === null || marker.loop) && offered.includes(marker.name)) {
        const usage = fakeUsage(userText, ["call"], false);
        return isChat
          ? streamChatToolCall(res, marker.name, marker.args, body.stream_options?.include_usage ? usage : null)
          : streamResponsesToolCall(res, marker.name, marker.args, usage);
      }
      const tokens = title
        ? [fakeTitle(userText)]
        : toolResult !== null
          ? ["Tool ", "result: ", resultText(toolResult).slice(0, 200)]
          : marker && !offered.includes(marker.name)
            ? [`Tool ${marker.name} is not offered.`]
            : userText.includes("[system]")
              ? systemReplyTokens(system)
              : fakeReplyTokens(userText);
      const delayMarker = /\[delay=(\d+)\]/.exec(userText);
      const delay = delayMarker ? Number(delayMarker[1]) : userText.includes("[slow]") ? 100 : baseDelay;
      const cut = userText.includes("[cut]");
      if (body.stream) {
        // The app hung up before the reply ended (Stop aborts the model request).
        res.on("close", () => !res.writableEnded && !cut && closed.push({ text: userText, at: Date.now() }));
        const reason = userText.includes("[reason]") && !title;
        const usage = fakeUsage(userText, tokens, reason);
        const holdAt = /\[hold=(\d+)\]/.exec(userText);
        const hold = holdAt && !title ? { at: Number(holdAt[1]) - 1, released: holdFor(userText) } : null;
        return isChat
          ? streamChatCompletion(
              res,
              tokens,
              delay,
              cut,
              reason,
              body.stream_options?.include_usage ? usage : null,
              hold,
            )
          : streamResponses(res, tokens, delay, cut, reason, usage, hold);
      }
      const text = tokens.join("");
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        JSON.stringify(
          isChat
            ? {
                id: "chatcmpl-1",
                object: "chat.completion",
                created: 0,
                model: "fake",
                choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }],
                usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
              }
            : {
                id: "resp_1",
                object: "response",
                created_at: 0,
                model: "fake",
                status: "completed",
                output: [
                  {
                    type: "message",
                    id: "msg_1",
                    role: "assistant",
                    status: "completed",
                    content: [{ type: "output_text", text, annotations: [] }],
                  },
                ],
                usage: { input_tokens: 1, output_tokens: 1, total_tokens: 2 },
              },
        ),
      );
    } catch (error) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: String(error) } }));
    }
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    seen: () => [...seen],
    systems: () => [...systems],
    embeddings: () => ({ requests: embedded.requests, inputs: [...embedded.inputs] }),
    closed: () => [...closed],
    parts: () => [...received],
    toolExchanges: () => [...exchanges],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
