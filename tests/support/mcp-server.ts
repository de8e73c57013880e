import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { z } from "zod";

/*
 * A real MCP server (Streamable HTTP, stateless) on 127.0.0.1 for tests: a few tools with known
 * behaviour, and a record of every tool call (which tool, whether a token came, which identity header).
 */

export type McpServerAuth = "none" | { bearer: string } | { oauth: string /* issuer URL of an oauth2-mock-server */ };

export type RecordedCall = {
  tool: string;
  /** The whole Authorization header as received (tests compare tokens), or null. */
  authorization: string | null;
  /** The value of the identity header named in the options, or null. */
  identity: string | null;
  /** OAuth only: the `sub` of the verified access token. */
  subject: string | null;
  /** Milliseconds the tool's own handler took. */
  handlerMs: number;
};

export type TestMcpServer = {
  /** The MCP endpoint: `http://127.0.0.1:<port>/mcp`. */
  url: string;
  /** `127.0.0.1:<port>`, for MCP_ALLOWED_HOSTS. */
  host: string;
  calls: RecordedCall[];
  /** HTTP requests the endpoint received (all methods), for counting round trips. */
  requests: number;
  /** Milliseconds each POST took on the server, from arrival until its response closed. */
  requestMs: number[];
  stop(): Promise<void>;
};

export const failMessage = "the tool failed on purpose";
export const imageLinksMarkdown = "![x](http://127.0.0.1:1/evil.png) [link](http://evil.example/)";
// A 1×1 transparent PNG.
const pixel = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";

type Context = { authorization: string | null; identity: string | null; subject: string | null };

function buildServer(context: Context, calls: RecordedCall[]) {
  const server = new McpServer({ name: "threadkeeper-test", version: "1.0.0" });
  // Wraps a handler so every call is recorded, whatever it returns.
  const recorded =
    <A>(tool: string, handler: (args: A, signal: AbortSignal) => Promise<CallToolResultLike> | CallToolResultLike) =>
    async (args: A, extra: { signal: AbortSignal }) => {
      const started = performance.now();
      try {
        return await handler(args, extra.signal);
      } finally {
        calls.push({ tool, ...context, handlerMs: performance.now() - started });
      }
    };
  const text = (value: string) => ({ content: [{ type: "text" as const, text: value }] });

  server.registerTool(
    "echo",
    { title: "Echo", description: "Returns the text it is given.", inputSchema: { text: z.string() } },
    recorded<{ text: string }>("echo", ({ text: value }) => text(value)),
  );
  server.registerTool(
    "add",
    { description: "Adds two numbers.", inputSchema: { a: z.number(), b: z.number() } },
    recorded<{ a: number; b: number }>("add", ({ a, b }) => text(String(a + b))),
  );
  server.registerTool(
    "slow",
    { description: "Waits, then answers done.", inputSchema: { ms: z.number() } },
    recorded<{ ms: number }>("slow", async ({ ms }, signal) => {
      await sleep(ms, undefined, { signal }).catch(() => undefined);
      return text(signal.aborted ? "aborted" : "done");
    }),
  );
  server.registerTool(
    "huge",
    { description: "Returns that many bytes of text.", inputSchema: { bytes: z.number() } },
    recorded<{ bytes: number }>("huge", ({ bytes }) => text("é".repeat(Math.floor(bytes / 2)) + "x".repeat(bytes % 2))),
  );
  server.registerTool(
    "fail",
    { description: "Always fails.", inputSchema: {} },
    recorded("fail", () => ({ content: [{ type: "text" as const, text: failMessage }], isError: true })),
  );
  server.registerTool(
    "image_links",
    {
      description: "Returns Markdown with an image and a link to other hosts, and an image part.",
      inputSchema: {},
    },
    recorded("image_links", () => ({
      content: [
        { type: "text" as const, text: imageLinksMarkdown },
        { type: "image" as const, data: pixel, mimeType: "image/png" },
      ],
    })),
  );
  return server;
}

type CallToolResultLike = {
  content: ({ type: "text"; text: string } | { type: "image"; data: string; mimeType: string })[];
  isError?: boolean;
};

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function stopServer(server: Server) {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
}

/**
 * Starts a test MCP server. `auth`: none; a bearer token it insists on (401 otherwise); or OAuth:
 * it publishes protected-resource metadata naming the issuer and accepts only access tokens that
 * issuer signed (verified with its JWKS through `jose`). `identityHeader` names the header whose
 * value is recorded as the caller's identity.
 */
export async function startMcpServer(
  options: {
    auth?: McpServerAuth;
    identityHeader?: string;
    /** Answers the newer protocol's `server/discover` probe with -32022 (only older versions supported). */
    refuseDiscovery?: boolean;
  } = {},
): Promise<TestMcpServer> {
  const auth = options.auth ?? "none";
  const identityHeader = (options.identityHeader ?? "x-threadkeeper-user").toLowerCase();
  const calls: RecordedCall[] = [];
  const jwks = typeof auth === "object" && "oauth" in auth ? createRemoteJWKSet(new URL(`${auth.oauth}/jwks`)) : null;
  let base = "";
  const state = { requests: 0 };
  const requestMs: number[] = [];

  const unauthorized = (res: ServerResponse) => {
    const challenge = jwks ? `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"` : "Bearer";
    res.writeHead(401, { "www-authenticate": challenge, "content-type": "application/json" });
    res.end(JSON.stringify({ error: "invalid_token" }));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", base).pathname;
    if (path.startsWith("/.well-known/oauth-protected-resource") && typeof auth === "object" && "oauth" in auth) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ resource: `${base}/mcp`, authorization_servers: [auth.oauth] }));
    }
    if (path !== "/mcp") return res.writeHead(404).end();
    state.requests++;
    const arrived = performance.now();
    // POSTs only: a GET is the client's optional listening stream, open beside the calls until it closes.
    if (req.method === "POST") res.on("close", () => requestMs.push(performance.now() - arrived));
    const authorization = req.headers.authorization ?? null;
    let subject: string | null = null;
    if (typeof auth === "object" && "bearer" in auth && authorization !== `Bearer ${auth.bearer}`) {
      return unauthorized(res);
    }
    if (jwks && typeof auth === "object" && "oauth" in auth) {
      const token = /^Bearer (.+)$/.exec(authorization ?? "")?.[1];
      if (!token) return unauthorized(res);
      try {
        const { payload } = await jwtVerify(token, jwks, { issuer: auth.oauth });
        subject = typeof payload.sub === "string" ? payload.sub : null;
      } catch {
        return unauthorized(res);
      }
    }
    if (options.refuseDiscovery && req.method === "POST" && req.headers["mcp-method"] === "server/discover") {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const { id } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { id: number };
      const error = { code: -32022, message: "Unsupported protocol version", data: { supported: ["2025-11-25"] } };
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ jsonrpc: "2.0", id, error }));
    }
    const identity = req.headers[identityHeader];
    const context = { authorization, identity: typeof identity === "string" ? identity : null, subject };
    // Stateless: a fresh server and transport per request, as the SDK recommends without sessions.
    const server = buildServer(context, calls);
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  const host = await listen(http);
  base = `http://${host}`;
  return {
    url: `${base}/mcp`,
    host,
    calls,
    requestMs,
    get requests() {
      return state.requests;
    },
    stop: () => stopServer(http),
  };
}

/** A server that answers every request with a 301 to `location`. */
export async function startRedirectingServer(location: string) {
  const http = createServer((_req, res) => res.writeHead(301, { location }).end());
  const host = await listen(http);
  return { url: `http://${host}/mcp`, host, stop: () => stopServer(http) };
}
