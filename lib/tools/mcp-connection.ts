import "server-only";
import { createMCPClient, MCPClientError, type CallToolResult, type MCPClient } from "@ai-sdk/mcp";
import { positiveIntFromEnv } from "@/lib/config/env";
import { findRefusal, guardedFetch, NetworkRefusal } from "@/lib/tools/network";

/*
 * One short connection per operation: connect, list or call, close. Nothing is kept open between
 * calls, so a server that misbehaves costs one call, and a person's token lives only as long as the call.
 * Arguments and results never reach a log line from here: errors are reduced to safe messages.
 */

export type ServerAccess = {
  url: string;
  auth: "none" | "shared" | "per_person";
  sharedToken?: string | null;
  identityHeader?: string | null;
  personId?: string;
  personToken?: string | null;
};

export type ListedTool = {
  name: string;
  title: string | null;
  description: string;
  inputSchema: Record<string, unknown>;
};

export type ToolCallResult =
  | { outcome: "allowed"; text: string; resultBytes: number; cut: boolean }
  | { outcome: "failed" | "timed_out" | "stopped"; message: string; resultBytes?: number };

/** A listing or connection that did not work; `message` is safe to show an admin and store. */
export class McpConnectionError extends Error {
  constructor(
    readonly outcome: "failed" | "timed_out" | "stopped",
    message: string,
  ) {
    super(message);
    this.name = "McpConnectionError";
  }
}

export const needsSignIn = "needs_sign_in";
const maxTools = 200;
/** A listing reads at most this many pages, and all of them together within one byte budget. */
const maxToolPages = 5;
const maxDescriptionChars = 2000;
const maxTitleChars = 200;
const maxToolNameChars = 200;
/** A tool whose input schema is larger than this (as JSON) is left out as its page arrives. */
export const maxSchemaBytes = 65_536;
const maxMessageBytes = 2000;
/** The protocol revision @ai-sdk/mcp probes for with `server/discover` before falling back to `initialize`. */
const latestProtocolVersion = "2026-07-28";

function headersFor(access: ServerAccess): Record<string, string> {
  const headers: Record<string, string> = {};
  const token =
    access.auth === "shared" ? access.sharedToken : access.auth === "per_person" ? access.personToken : null;
  if (token) headers.Authorization = `Bearer ${token}`;
  if (access.identityHeader && access.personId) headers[access.identityHeader] = access.personId;
  return headers;
}

/**
 * Characters a server could use to make a name or title read as something else: control
 * characters, bidirectional overrides and isolates, zero-width characters. `keepLines` keeps line
 * breaks and tabs (descriptions).
 */
const deceptiveChars = /[\p{Cc}\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu;
const deceptiveInLines =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/gu;
export function plainText(text: string, keepLines = false): string {
  return text.replace(keepLines ? deceptiveInLines : deceptiveChars, "");
}

/**
 * The guarded fetch with one byte budget for every response of a connection together (a listing
 * of several pages). Each response is also capped by MCP_MAX_RESPONSE_BYTES (guardedFetch).
 * Note: what a response's JSON costs in the heap once parsed can be ~15× its size (nested empty
 * arrays), so the budget, not the page count, is what bounds a listing's memory.
 */
function budgetedFetch(budgetBytes: number): typeof fetch {
  let seen = 0;
  const tooLarge = () => new NetworkRefusal("too_large", "the server's tool list is too large");
  return (async (input: string | URL | Request, init?: RequestInit) => {
    if (seen > budgetBytes) throw tooLarge();
    const response = await guardedFetch(input, init);
    if (!response.body) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) return controller.close();
          seen += value.byteLength;
          if (seen > budgetBytes) {
            await reader.cancel().catch(() => undefined);
            controller.error(tooLarge());
            return;
          }
          controller.enqueue(value);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    const wrapped = new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
    Object.defineProperty(wrapped, "url", { value: response.url });
    return wrapped;
  }) as typeof fetch;
}

/** Cuts text to at most `maxBytes` UTF-8 bytes without splitting a character. */
export function cutUtf8(text: string, maxBytes: number): string {
  // Every character is at least one byte, so the first maxBytes + 1 characters reach past the cut:
  // no need to encode a result of megabytes to keep its first kilobytes. (A surrogate pair split at
  // the slice's end becomes a replacement character, but only past the cut.)
  const bytes = Buffer.from(text.slice(0, Math.max(0, maxBytes) + 1), "utf8");
  // At least one byte per UTF-16 unit: fitting here means the slice was the whole text.
  if (bytes.length <= maxBytes) return text;
  let end = Math.max(0, maxBytes);
  // Back off continuation bytes (10xxxxxx) so the cut lands on a character's first byte.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString("utf8");
}

/** Flattens a tool result to text: text parts as they are, anything else as a line saying it was left out. */
export function flattenResult(result: CallToolResult): string {
  if (!("content" in result) || !Array.isArray(result.content)) {
    return "toolResult" in result ? (JSON.stringify(result.toolResult) ?? "") : "";
  }
  return result.content
    .map((part) => {
      if (part.type === "text" && typeof part.text === "string") return part.text;
      // Never fetched, never rendered: a model could be steered into showing a tracking image.
      const kind = part.type === "resource_link" ? "resource link" : String(part.type).replace(/[^\w -]/g, "");
      return `[${kind} omitted]`;
    })
    .join("\n\n");
}

/** The result as the model gets it: at most `maxBytes`, with a closing line when it was cut. */
export function fitResult(full: string, maxBytes: number): { text: string; resultBytes: number; cut: boolean } {
  const resultBytes = Buffer.byteLength(full, "utf8");
  if (resultBytes <= maxBytes) return { text: full, resultBytes, cut: false };
  // The note is counted inside the limit, so what is stored never exceeds it.
  const noteFor = (shown: number) => `\n\n[Result cut: ${shown} of ${resultBytes} bytes shown]`;
  const room = Math.max(0, maxBytes - Buffer.byteLength(noteFor(maxBytes), "utf8"));
  const shown = cutUtf8(full, room);
  return { text: shown + noteFor(Buffer.byteLength(shown, "utf8")), resultBytes, cut: true };
}

/** A failure as a short message an admin or the model may read; never a token or a response body. */
function describeFailure(error: unknown, access: ServerAccess): string {
  const refusal = findRefusal(error);
  if (refusal) return refusal.message;
  for (let e = error, depth = 0; e && depth < 6; e = (e as { cause?: unknown }).cause, depth++) {
    if (!MCPClientError.isInstance(e)) continue;
    if (e.statusCode === 401 || e.statusCode === 403) {
      return access.auth === "per_person" ? needsSignIn : `The server refused the credentials (HTTP ${e.statusCode}).`;
    }
    if (e.statusCode) return `The server answered HTTP ${e.statusCode}.`;
    // A JSON-RPC error is the server's own word (unknown tool, bad arguments): short, and useful.
    if (e.code != null) return cutUtf8(`The server reported an error: ${e.message}`, maxMessageBytes);
  }
  if ((error as { name?: unknown })?.name === "UnauthorizedError") return needsSignIn;
  return "Could not talk to the server.";
}

// Servers that answered the newer protocol's `server/discover` probe with a refusal: the next
// connection goes straight to `initialize`, saving a round trip on every call. Bounded; forgotten on restart.
const legacyServers = new Set<string>();
const maxLegacyServers = 1000;

/**
 * Opens a client with the guard, a deadline and a way to fail fast: answers streamed as SSE report a
 * broken stream (e.g. past the byte cap) only through `onUncaughtError`, which would otherwise leave
 * the call waiting for its deadline.
 */
async function withClient<T>(
  access: ServerAccess,
  signal: AbortSignal,
  timeoutMs: number,
  run: (client: MCPClient, signal: AbortSignal) => Promise<T>,
  fetchFn: typeof fetch = guardedFetch,
): Promise<T> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const broken = new AbortController();
  let brokenBy: unknown = null;
  const combined = AbortSignal.any([signal, timeout, broken.signal]);
  let client: MCPClient | null = null;
  try {
    const connect = (discovery: boolean) =>
      createMCPClient({
        transport: {
          type: "http",
          url: access.url,
          headers: headersFor(access),
          fetch: fetchFn,
          redirect: "error",
        },
        clientName: "threadkeeper",
        protocolVersionDiscovery: discovery,
        initializationOptions: { signal: combined },
        onUncaughtError: (error) => {
          if (!findRefusal(error) || brokenBy) return;
          brokenBy = error;
          broken.abort(error);
        },
      });
    const remembered = legacyServers.has(access.url);
    client = await connect(!remembered).catch((error: unknown) => {
      // A server that refuses the probe's protocol version outright (-32022) is not retried by the
      // client library; it still speaks the older protocol through `initialize`.
      if (remembered || combined.aborted || !MCPClientError.isInstance(error) || error.code !== -32022) throw error;
      return connect(false);
    });
    if (client.initializeResult.protocolVersion !== latestProtocolVersion && legacyServers.size < maxLegacyServers) {
      legacyServers.add(access.url);
    }
    return await run(client, combined);
  } catch (error) {
    if (signal.aborted) throw new McpConnectionError("stopped", "Stopped before the tool answered.");
    if (timeout.aborted) throw new McpConnectionError("timed_out", `The tool did not answer within ${timeoutMs} ms.`);
    throw new McpConnectionError("failed", describeFailure(brokenBy ?? error, access));
  } finally {
    await client?.close().catch(() => undefined);
  }
}

const defaultTimeoutMs = () => positiveIntFromEnv(process.env, "MCP_TOOL_TIMEOUT_MS", 30_000);

const listingBudgetBytes = () => positiveIntFromEnv(process.env, "MCP_MAX_RESPONSE_BYTES", 4_194_304);

/** The JSON size of a schema, or Infinity when it cannot be written (too deep, cyclic). */
function schemaBytes(schema: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(schema ?? {}) ?? "", "utf8");
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/**
 * The tools a server offers (at most 200). Throws McpConnectionError with a safe message.
 * Memory is bounded as the listing goes: at most 5 pages, all responses together within
 * MCP_MAX_RESPONSE_BYTES, and each page's tools are reduced before the next is read (a schema
 * over 64 KiB is dropped, descriptions and titles cut). `dropped` counts the tools left out.
 */
export async function listServerTools(
  access: ServerAccess,
  signal?: AbortSignal,
): Promise<ListedTool[] & { dropped?: number }> {
  if (access.auth === "per_person" && !access.personToken) throw new McpConnectionError("failed", needsSignIn);
  return withClient(
    access,
    signal ?? new AbortController().signal,
    defaultTimeoutMs(),
    async (client, combined) => {
      const tools: ListedTool[] = [];
      let dropped = 0;
      let cursor: string | undefined;
      for (let page = 0; page < maxToolPages && tools.length < maxTools; page++) {
        const listed = await client.listTools({
          params: cursor ? { cursor } : undefined,
          options: { signal: combined },
        });
        for (const tool of listed.tools) {
          if (tools.length >= maxTools) break;
          const name = typeof tool.name === "string" ? tool.name : "";
          const schema = tool.inputSchema as Record<string, unknown>;
          if (name.length < 1 || name.length > maxToolNameChars || schemaBytes(schema) > maxSchemaBytes) {
            dropped++;
            continue;
          }
          const title = tool.title ?? tool.annotations?.title ?? null;
          tools.push({
            name,
            title: typeof title === "string" ? plainText(title.slice(0, maxTitleChars)).trim() || null : null,
            description: plainText(String(tool.description ?? "").slice(0, maxDescriptionChars), true),
            inputSchema: schema,
          });
        }
        cursor = listed.nextCursor;
        if (!cursor) break;
      }
      return Object.assign(tools, { dropped });
    },
    budgetedFetch(listingBudgetBytes()),
  );
}

/**
 * Gives the client a tool's `x-mcp-header` bindings without listing (see callServerTool). Uses
 * @ai-sdk/mcp's own preparation step (it keeps the bindings only for the newer protocol and drops
 * invalid ones); a client without it is left as it is.
 */
function primeHeaderBindings(client: MCPClient, name: string, inputSchema: Record<string, unknown>) {
  const prepare = (
    client as unknown as { prepareToolDefinitions?: (d: { tools: unknown[] }, reset?: boolean) => unknown }
  ).prepareToolDefinitions;
  if (typeof prepare !== "function") return;
  try {
    prepare.call(client, { tools: [{ name, inputSchema }] }, true);
  } catch {
    // The call goes without parameter headers, as before.
  }
}

/** Runs one tool call. Never throws: every ending is an outcome the turn can report and audit. */
export async function callServerTool(
  access: ServerAccess,
  tool: string,
  args: Record<string, unknown>,
  options: {
    signal: AbortSignal;
    timeoutMs: number;
    maxResultBytes: number;
    /**
     * The tool's stored (pinned) input schema. On the 2026-07-28 protocol a tool's schema may bind
     * arguments to `Mcp-Param-*` headers (`x-mcp-header`); the client learns them only from a
     * listing, which this one-call connection never does, so they are taught from this schema.
     */
    inputSchema?: Record<string, unknown>;
  },
): Promise<ToolCallResult> {
  if (access.auth === "per_person" && !access.personToken) return { outcome: "failed", message: needsSignIn };
  try {
    const result = await withClient(access, options.signal, options.timeoutMs, (client, combined) => {
      if (options.inputSchema) primeHeaderBindings(client, tool, options.inputSchema);
      return client.callTool({ name: tool, arguments: args, options: { signal: combined } });
    });
    const fitted = fitResult(flattenResult(result), options.maxResultBytes);
    if ("isError" in result && result.isError) {
      return { outcome: "failed", message: fitted.text, resultBytes: fitted.resultBytes };
    }
    return { outcome: "allowed", ...fitted };
  } catch (error) {
    if (error instanceof McpConnectionError) return { outcome: error.outcome, message: error.message };
    return { outcome: "failed", message: "Could not talk to the server." };
  }
}
