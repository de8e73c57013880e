import type { lookup as dnsLookup } from "node:dns";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApiError } from "@/lib/http/errors";
import { callServerTool, listServerTools, type ServerAccess } from "@/lib/tools/mcp-connection";
import {
  checkServerUrl,
  createGuardedFetch,
  findRefusal,
  guardedFetch,
  isPublicAddress,
  publicOnlyLookup,
} from "@/lib/tools/network";

import {
  failMessage,
  imageLinksMarkdown,
  startMcpServer,
  startRedirectingServer,
  type TestMcpServer,
} from "../support/mcp-server";

type Lookup = typeof dnsLookup;
type CallOptions = Parameters<typeof callServerTool>[3];
type Answer = { address: string; family: number };

/** Answers every name with the given addresses, as a DNS server under someone else's control would. */
const fakeDns = (...addresses: string[]) =>
  ((_host: string, _options: unknown, callback: (e: null, all: Answer[]) => void) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
    )) as unknown as Lookup;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const refusalOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return findRefusal(error);
  }
  throw new Error("expected a refusal");
};

let plain: Server;
let plainHost: string;
let redirecting: Server;
let redirectingHost: string;
let huge: Server;
let hugeHost: string;
let hugeBytesWritten = 0;
let hugeClosedEarly: Promise<void>;

beforeAll(async () => {
  plain = createServer((_req, res) => res.end("hello"));
  plainHost = await listen(plain);
  redirecting = createServer((_req, res) => res.writeHead(301, { location: "http://169.254.169.254/latest/" }).end());
  redirectingHost = await listen(redirecting);
  let closed: () => void;
  hugeClosedEarly = new Promise((resolve) => (closed = resolve));
  huge = createServer((req, res) => {
    // 64 MiB in 64 KiB chunks, no Content-Length: only the reader's counter can stop it.
    const chunk = Buffer.alloc(65536, 120);
    let left = 1024;
    res.on("close", () => closed());
    const write = () => {
      while (left > 0) {
        left--;
        hugeBytesWritten += chunk.length;
        if (!res.write(chunk)) return void res.once("drain", write);
      }
      res.end();
    };
    if (req.url === "/declared") return res.writeHead(200, { "content-length": String(64 * 1024 * 1024) }).end();
    write();
  });
  hugeHost = await listen(huge);
});

afterAll(async () => {
  for (const server of [plain, redirecting, huge]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

afterEach(() => {
  delete process.env.MCP_ALLOWED_HOSTS;
});

describe("checkServerUrl", () => {
  it("accepts https to a public name, and http only for listed hosts", () => {
    expect(checkServerUrl("https://mcp.example.com/mcp").href).toBe("https://mcp.example.com/mcp");
    expect(() => checkServerUrl("http://mcp.example.com/mcp")).toThrow(/must use https/);
    process.env.MCP_ALLOWED_HOSTS = "mcp.example.com";
    expect(checkServerUrl("http://mcp.example.com/mcp").protocol).toBe("http:");
  });

  it("refuses private, loopback, link-local and reserved IP literals", () => {
    for (const url of [
      "https://127.0.0.1/",
      "https://127.1/",
      "https://2130706433/",
      "https://0x7f000001/",
      "https://169.254.169.254/latest/meta-data",
      "https://10.1.2.3/",
      "https://172.16.0.1/",
      "https://192.168.1.1/",
      "https://100.64.0.1/",
      "https://198.18.0.1/",
      "https://0.0.0.0/",
      "https://255.255.255.255/",
      "https://224.0.0.1/",
      "https://[::1]/",
      "https://[::]/",
      "https://[::ffff:127.0.0.1]/",
      "https://[::ffff:169.254.169.254]/",
      "https://[64:ff9b::10.0.0.1]/",
      "https://[fe80::1]/",
      "https://[fd00::1]/",
      "https://[ff02::1]/",
      "https://[2001:db8::1]/",
      "https://[2002:7f00:1::]/",
    ]) {
      expect(() => checkServerUrl(url), url).toThrow(ApiError);
      expect(() => checkServerUrl(url), url).toThrow(/private, loopback or reserved/);
    }
    expect(checkServerUrl("https://8.8.8.8/").hostname).toBe("8.8.8.8");
    expect(checkServerUrl("https://[2606:4700::1111]/").hostname).toBe("[2606:4700::1111]");
  });

  it("refuses credentials, fragments, other schemes and overlong URLs", () => {
    for (const [url, reason] of [
      ["https://user:pw@mcp.example.com/", /user name or password/],
      ["https://mcp.example.com/#x", /fragment/],
      ["ftp://mcp.example.com/", /https/],
      ["file:///etc/passwd", /https/],
      ["not a url", /not valid/],
      [`https://mcp.example.com/${"a".repeat(2000)}`, /2000/],
    ] as const) {
      expect(() => checkServerUrl(url), url).toThrow(reason);
    }
  });

  it("lets listed hosts through, by name or name:port", () => {
    process.env.MCP_ALLOWED_HOSTS = "127.0.0.1:8080, [::1], localhost";
    expect(checkServerUrl("http://127.0.0.1:8080/mcp").port).toBe("8080");
    expect(() => checkServerUrl("http://127.0.0.1:8081/mcp")).toThrow();
    expect(checkServerUrl("http://[::1]:9/").hostname).toBe("[::1]");
    expect(checkServerUrl("http://LOCALHOST:3000/").hostname).toBe("localhost");
  });
});

describe("isPublicAddress", () => {
  it("judges IPv6 by global unicast and embedded IPv4 by the address inside", () => {
    expect(isPublicAddress("2606:4700::1111")).toBe(true);
    expect(isPublicAddress("::ffff:8.8.8.8")).toBe(true);
    expect(isPublicAddress("::ffff:7f00:1")).toBe(false);
    expect(isPublicAddress("64:ff9b::a9fe:a9fe")).toBe(false);
    expect(isPublicAddress("fec0::1")).toBe(false);
    expect(isPublicAddress("not an address")).toBe(false);
  });
});

describe("guardedFetch", () => {
  it("reaches a listed loopback host over http", async () => {
    process.env.MCP_ALLOWED_HOSTS = plainHost;
    const response = await guardedFetch(`http://${plainHost}/`);
    expect(await response.text()).toBe("hello");
  });

  it("refuses loopback unless listed, before connecting", async () => {
    const refusal = await refusalOf(guardedFetch(`http://${plainHost}/`));
    expect(refusal?.reason).toBe("url");
    const literal = await refusalOf(guardedFetch(`https://${plainHost}/`));
    expect(literal?.message).toMatch(/private, loopback or reserved/);
  });

  it("refuses a name that resolves to loopback unless listed", async () => {
    const port = plainHost.split(":")[1];
    const refusal = await refusalOf(guardedFetch(`https://localhost:${port}/`));
    expect(refusal?.reason).toBe("address");
    process.env.MCP_ALLOWED_HOSTS = "localhost";
    expect(await (await guardedFetch(`http://localhost:${port}/`)).text()).toBe("hello");
  });

  it("refuses a name when any of its addresses is private", async () => {
    const port = plainHost.split(":")[1];
    for (const answer of [["127.0.0.1"], ["8.8.8.8", "10.0.0.1"], ["169.254.169.254"], ["::ffff:127.0.0.1"], []]) {
      const fetchVia = createGuardedFetch({ lookup: fakeDns(...answer) });
      const refusal = await refusalOf(fetchVia(`https://rebind.example:${port}/`));
      expect(refusal?.reason, answer.join()).toBe("address");
    }
  });

  it("hands the socket the address it checked, resolving once", () => {
    let lookups = 0;
    const resolve = ((_host: string, _options: unknown, callback: (e: null, all: Answer[]) => void) => {
      lookups++;
      callback(null, [
        { address: "93.184.215.14", family: 4 },
        { address: "2606:2800:21f:cb07:6820:80da:af6b:8b2c", family: 6 },
      ]);
    }) as unknown as Lookup;
    const lookup = publicOnlyLookup(resolve);
    const answers: unknown[] = [];
    lookup("public.example", { all: true }, (error, addresses) => answers.push(error, addresses));
    lookup("public.example", {}, (error, address, family) => answers.push(error, address, family));
    expect(answers).toEqual([
      null,
      [
        { address: "93.184.215.14", family: 4 },
        { address: "2606:2800:21f:cb07:6820:80da:af6b:8b2c", family: 6 },
      ],
      null,
      "93.184.215.14",
      4,
    ]);
    expect(lookups).toBe(2);
  });

  it("refuses a redirect from a listed host, wherever it points", async () => {
    process.env.MCP_ALLOWED_HOSTS = `${redirectingHost},169.254.169.254`;
    const refusal = await refusalOf(guardedFetch(`http://${redirectingHost}/`));
    expect(refusal?.reason).toBe("redirect");
  });

  it("stops reading an answer past MCP_MAX_RESPONSE_BYTES", async () => {
    process.env.MCP_ALLOWED_HOSTS = hugeHost;
    const fetchCapped = createGuardedFetch({ maxResponseBytes: 1024 * 1024 });
    const response = await fetchCapped(`http://${hugeHost}/`);
    const refusal = await refusalOf(response.arrayBuffer());
    expect(refusal?.reason).toBe("too_large");
    expect(refusal?.message).toBe("the server's answer is too large");
    await hugeClosedEarly;
    // The server wrote at most the cap plus what sat in socket buffers, far from its 64 MiB.
    expect(hugeBytesWritten).toBeLessThan(16 * 1024 * 1024);
    // A declared length past the cap is refused before any of the body is read.
    const declared = await refusalOf(fetchCapped(`http://${hugeHost}/declared`));
    expect(declared?.reason).toBe("too_large");
  });
});

describe("MCP connection", () => {
  let open: TestMcpServer;
  let bearer: TestMcpServer;
  const never = new AbortController().signal;
  const call = (
    access: ServerAccess,
    tool: string,
    args: Record<string, unknown>,
    options: Partial<CallOptions> = {},
  ) => callServerTool(access, tool, args, { signal: never, timeoutMs: 10_000, maxResultBytes: 65_536, ...options });

  beforeAll(async () => {
    open = await startMcpServer({ identityHeader: "X-Person" });
    bearer = await startMcpServer({ auth: { bearer: "shared-secret-token" }, identityHeader: "X-Person" });
  });
  afterAll(async () => {
    await open.stop();
    await bearer.stop();
  });
  beforeEach(() => {
    process.env.MCP_ALLOWED_HOSTS = `${open.host},${bearer.host}`;
  });
  afterEach(() => {
    delete process.env.MCP_MAX_RESPONSE_BYTES;
  });

  it("lists a server's tools", async () => {
    const tools = await listServerTools({ url: open.url, auth: "none" });
    expect(tools.map((tool) => tool.name)).toEqual(["echo", "add", "slow", "huge", "fail", "image_links"]);
    expect(tools[0]).toMatchObject({ title: "Echo", description: "Returns the text it is given." });
    expect(tools[0].inputSchema).toMatchObject({ type: "object", properties: { text: { type: "string" } } });
  });

  it("calls a tool and flattens its result to text", async () => {
    expect(await call({ url: open.url, auth: "none" }, "echo", { text: "hello ✓" })).toEqual({
      outcome: "allowed",
      text: "hello ✓",
      resultBytes: 9,
      cut: false,
    });
    expect(await call({ url: open.url, auth: "none" }, "add", { a: 2, b: 40 })).toMatchObject({ text: "42" });
  });

  it("keeps Markdown as text and leaves images out", async () => {
    const result = await call({ url: open.url, auth: "none" }, "image_links", {});
    expect(result).toMatchObject({ outcome: "allowed", text: `${imageLinksMarkdown}\n\n[image omitted]` });
  });

  it("cuts a large result to the byte limit at a character boundary, and says so", async () => {
    const result = await call(
      { url: open.url, auth: "none" },
      "huge",
      { bytes: 2_000_000 },
      { maxResultBytes: 65_536 },
    );
    if (result.outcome !== "allowed") throw new Error(result.message);
    expect(result.cut).toBe(true);
    expect(result.resultBytes).toBe(2_000_000);
    expect(Buffer.byteLength(result.text)).toBeLessThanOrEqual(65_536);
    expect(result.text).toMatch(/^é+\n\n\[Result cut: \d+ of 2000000 bytes shown\]$/);
    const shown = Number(/Result cut: (\d+)/.exec(result.text)![1]);
    expect(shown % 2).toBe(0);
    expect(result.text.startsWith("é".repeat(shown / 2))).toBe(true);
  });

  it("fails a call whose answer is past MCP_MAX_RESPONSE_BYTES, without waiting for the deadline", async () => {
    process.env.MCP_MAX_RESPONSE_BYTES = "1000000";
    const started = Date.now();
    const result = await call({ url: open.url, auth: "none" }, "huge", { bytes: 2_000_000 }, { timeoutMs: 20_000 });
    expect(result).toEqual({ outcome: "failed", message: "the server's answer is too large" });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("times out a slow tool", async () => {
    const result = await call({ url: open.url, auth: "none" }, "slow", { ms: 5_000 }, { timeoutMs: 300 });
    expect(result).toEqual({ outcome: "timed_out", message: "The tool did not answer within 300 ms." });
  });

  it("stops a slow tool when the turn is stopped", async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    const started = Date.now();
    const result = await call({ url: open.url, auth: "none" }, "slow", { ms: 5_000 }, { signal: stop.signal });
    expect(result.outcome).toBe("stopped");
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("reports a tool's own error as failed, with its message", async () => {
    expect(await call({ url: open.url, auth: "none" }, "fail", {})).toEqual({
      outcome: "failed",
      message: failMessage,
      resultBytes: failMessage.length,
    });
  });

  it("sends the shared token and the person's identity header", async () => {
    const access: ServerAccess = {
      url: bearer.url,
      auth: "shared",
      sharedToken: "shared-secret-token",
      identityHeader: "X-Person",
      personId: "person-1",
    };
    expect(await call(access, "echo", { text: "x" })).toMatchObject({ outcome: "allowed" });
    expect(bearer.calls.at(-1)).toMatchObject({
      tool: "echo",
      authorization: "Bearer shared-secret-token",
      identity: "person-1",
    });
  });

  it("fails without the right token: a shared server says so, a per-person server asks for sign-in", async () => {
    const before = bearer.calls.length;
    expect(await call({ url: bearer.url, auth: "shared", sharedToken: "wrong" }, "echo", { text: "x" })).toEqual({
      outcome: "failed",
      message: "The server refused the credentials (HTTP 401).",
    });
    expect(await call({ url: bearer.url, auth: "per_person", personToken: "wrong" }, "echo", { text: "x" })).toEqual({
      outcome: "failed",
      message: "needs_sign_in",
    });
    expect(await call({ url: bearer.url, auth: "per_person", personToken: null }, "echo", { text: "x" })).toEqual({
      outcome: "failed",
      message: "needs_sign_in",
    });
    await expect(listServerTools({ url: bearer.url, auth: "none" })).rejects.toThrow(/HTTP 401/);
    expect(bearer.calls.length).toBe(before);
  });

  it("talks to a server that refuses the newer protocol's discovery probe", async () => {
    const legacy = await startMcpServer({ refuseDiscovery: true });
    try {
      process.env.MCP_ALLOWED_HOSTS = legacy.host;
      expect(await call({ url: legacy.url, auth: "none" }, "echo", { text: "old" })).toMatchObject({ text: "old" });
      // Remembered: the next call goes straight to `initialize`.
      const requests = legacy.requests;
      expect(await call({ url: legacy.url, auth: "none" }, "echo", { text: "again" })).toMatchObject({ text: "again" });
      expect(legacy.calls.map((c) => c.tool)).toEqual(["echo", "echo"]);
      expect(legacy.requests - requests).toBeLessThanOrEqual(4);
    } finally {
      await legacy.stop();
    }
  });

  it("refuses a server that is not listed, and one that redirects", async () => {
    delete process.env.MCP_ALLOWED_HOSTS;
    expect(await call({ url: open.url, auth: "none" }, "echo", { text: "x" })).toMatchObject({
      outcome: "failed",
      message: expect.stringMatching(/https/),
    });
    const redirecting = await startRedirectingServer("http://169.254.169.254/latest/meta-data");
    try {
      process.env.MCP_ALLOWED_HOSTS = `${redirecting.host},169.254.169.254`;
      expect(await call({ url: redirecting.url, auth: "none" }, "echo", { text: "x" })).toMatchObject({
        outcome: "failed",
        message: expect.stringMatching(/redirect/),
      });
    } finally {
      await redirecting.stop();
    }
  });
});

/**
 * A bare JSON-RPC MCP server (older protocol, plain JSON answers) whose tool listing pages are
 * whatever `page(n)` says: for listings no honest server sends (huge schemas, endless pages).
 */
async function startPagingServer(page: (n: number) => { tools: unknown[]; more: boolean }) {
  let pagesServed = 0;
  const server = createServer((req, res) => {
    if (req.method !== "POST") return res.writeHead(405).end();
    const parts: Buffer[] = [];
    req.on("data", (part: Buffer) => parts.push(part));
    req.on("end", () => {
      const message = JSON.parse(Buffer.concat(parts).toString("utf8")) as {
        id?: number;
        method: string;
        params?: { cursor?: string };
      };
      if (message.id === undefined) return res.writeHead(202).end();
      const reply = (body: object) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: message.id, ...body }));
      };
      if (message.method === "initialize")
        return reply({
          result: {
            protocolVersion: "2025-06-18",
            capabilities: { tools: {} },
            serverInfo: { name: "paging", version: "1" },
          },
        });
      if (message.method === "tools/list") {
        const n = Number(message.params?.cursor ?? 0);
        pagesServed++;
        const { tools, more } = page(n);
        return reply({ result: { tools, ...(more && { nextCursor: String(n + 1) }) } });
      }
      reply({ error: { code: -32601, message: "Method not found" } });
    });
  });
  const host = await listen(server);
  return {
    url: `http://${host}/mcp`,
    host,
    pages: () => pagesServed,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An input schema of about `bytes` JSON bytes made of empty arrays (what costs a parser the most). */
const heavySchema = (bytes: number) => ({ type: "object", x: Array.from({ length: Math.floor(bytes / 3) }, () => []) });

describe("MCP tool listings are bounded as they arrive (review F2)", () => {
  afterEach(() => {
    delete process.env.MCP_MAX_RESPONSE_BYTES;
    delete process.env.MCP_ALLOWED_HOSTS;
  });

  it("drops a schema over 64 KiB, strips deceptive characters, and reads at most 5 pages", async () => {
    const paging = await startPagingServer((n) => ({
      tools: [
        {
          name: `tool_${n}`,
          title: "Read\u202E README\u200B",
          description: "Line one\nline\u0007 two\u2066",
          inputSchema: { type: "object", properties: { a: { type: "string" } } },
        },
        { name: `big_${n}`, inputSchema: heavySchema(70_000) },
      ],
      more: true,
    }));
    try {
      process.env.MCP_ALLOWED_HOSTS = paging.host;
      const tools = await listServerTools({ url: paging.url, auth: "none" });
      expect(tools.map((t) => t.name)).toEqual(["tool_0", "tool_1", "tool_2", "tool_3", "tool_4"]);
      expect(tools.dropped).toBe(5);
      expect(paging.pages()).toBe(5);
      expect(tools[0]).toMatchObject({ title: "Read README", description: "Line one\nline two" });
    } finally {
      await paging.stop();
    }
  });

  it("keeps every page of a listing within one MCP_MAX_RESPONSE_BYTES together", async () => {
    const paging = await startPagingServer((n) => ({
      tools: [{ name: `tool_${n}`, inputSchema: heavySchema(40_000) }],
      more: true,
    }));
    try {
      process.env.MCP_ALLOWED_HOSTS = paging.host;
      // Each page (~40 kB) is under the cap; three of them are not.
      process.env.MCP_MAX_RESPONSE_BYTES = "100000";
      const failure = await listServerTools({ url: paging.url, auth: "none" }).catch((error: unknown) => error);
      expect(failure).toMatchObject({ outcome: "failed", message: "the server's tool list is too large" });
      expect(paging.pages()).toBeLessThanOrEqual(3);
    } finally {
      await paging.stop();
    }
  });

  it("stops at 200 tools without reading further pages", async () => {
    const paging = await startPagingServer((n) => ({
      tools: Array.from({ length: 150 }, (_, i) => ({ name: `t_${n}_${i}`, inputSchema: { type: "object" } })),
      more: true,
    }));
    try {
      process.env.MCP_ALLOWED_HOSTS = paging.host;
      const tools = await listServerTools({ url: paging.url, auth: "none" });
      expect(tools).toHaveLength(200);
      expect(paging.pages()).toBe(2);
    } finally {
      await paging.stop();
    }
  });
});

describe("MCP parameter headers on the newer protocol", () => {
  it("sends Mcp-Param-* headers a tool's stored schema binds, without listing first", async () => {
    const seen: Record<string, string | string[] | undefined>[] = [];
    const methods: string[] = [];
    const server = createServer((req, res) => {
      if (req.method !== "POST") return res.writeHead(405).end();
      const parts: Buffer[] = [];
      req.on("data", (part: Buffer) => parts.push(part));
      req.on("end", () => {
        const message = JSON.parse(Buffer.concat(parts).toString("utf8")) as { id?: number; method: string };
        methods.push(message.method);
        if (message.id === undefined) return res.writeHead(202).end();
        const reply = (result: object) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify({ jsonrpc: "2.0", id: message.id, result: { resultType: "complete", ...result } }));
        };
        if (message.method === "server/discover")
          return reply({ supportedVersions: ["2026-07-28"], capabilities: { tools: {} } });
        if (message.method === "tools/call") {
          seen.push(req.headers);
          return reply({ content: [{ type: "text", text: "ok" }] });
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ jsonrpc: "2.0", id: message.id, error: { code: -32601, message: "no" } }));
      });
    });
    const host = await listen(server);
    try {
      process.env.MCP_ALLOWED_HOSTS = host;
      const result = await callServerTool(
        { url: `http://${host}/mcp`, auth: "none" },
        "open_issue",
        { repo: "acme/site", title: "x" },
        {
          signal: new AbortController().signal,
          timeoutMs: 10_000,
          maxResultBytes: 1000,
          inputSchema: {
            type: "object",
            properties: { repo: { type: "string", "x-mcp-header": "Repo" }, title: { type: "string" } },
          },
        },
      );
      expect(result).toMatchObject({ outcome: "allowed", text: "ok" });
      expect(methods).toEqual(["server/discover", "tools/call"]);
      expect(seen[0]?.["mcp-param-repo"]).toBe("acme/site");
    } finally {
      delete process.env.MCP_ALLOWED_HOSTS;
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
