import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { callServerTool, listServerTools } from "@/lib/tools/mcp-connection";
import {
  finishOAuth,
  oauthDeadlineMs,
  OAuthFlowError,
  refreshOAuth,
  startOAuth,
  type OAuthMetadata,
  type OAuthServer,
} from "@/lib/tools/oauth";
import { authorizeInBrowser, startMcpOAuthIssuer } from "../support/mcp-oauth";
import { startMcpServer, type TestMcpServer } from "../support/mcp-server";

const origin = "http://app.test:3000";
// One redirect URI per server (the tests' server is "server-1").
const callback = `${origin}/api/tool-connections/oauth/callback?server=server-1`;
const callOptions = { signal: new AbortController().signal, timeoutMs: 10_000, maxResultBytes: 65_536 };

/**
 * A stand-in MCP server for discovery only, on 127.0.0.1: its protected-resource metadata names
 * whatever issuer the test sets now (a server that changes its metadata), and it can publish its
 * own authorization-server metadata. Every request is recorded.
 */
async function startResourceServer(issuer: string | null = null) {
  const state = { issuer, authorizationServer: null as Record<string, unknown> | null };
  const requests: string[] = [];
  let base = "";
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", base).pathname;
    requests.push(`${req.method} ${path}`);
    if (path.startsWith("/.well-known/oauth-protected-resource") && state.issuer) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify({ resource: `${base}/mcp`, authorization_servers: [state.issuer] }));
    }
    if (path === "/.well-known/oauth-authorization-server" && state.authorizationServer) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(JSON.stringify(state.authorizationServer));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return { url: `${base}/mcp`, base, port, state, requests, stop: () => close(http) };
}

/** Records every request and never answers (a slow or dead server). */
async function startSilentServer() {
  const requests: string[] = [];
  const http = createServer((req) => void requests.push(`${req.method} ${req.url}`));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const port = (http.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/mcp`, port, requests, stop: () => close(http) };
}

async function close(http: Server) {
  http.closeAllConnections();
  await new Promise((resolve) => http.close(resolve));
}

describe("per-person OAuth to an MCP server", () => {
  let issuer: Awaited<ReturnType<typeof startMcpOAuthIssuer>>;
  let mcp: TestMcpServer;
  let server: OAuthServer;
  const saved = { ...process.env };

  beforeAll(async () => {
    issuer = await startMcpOAuthIssuer();
    mcp = await startMcpServer({ auth: { oauth: issuer.issuer } });
  });
  afterAll(async () => {
    await mcp.stop();
    await issuer.stop();
    process.env = saved;
  });
  beforeEach(() => {
    process.env.MCP_ALLOWED_HOSTS = `${mcp.host},${new URL(issuer.issuer).host}`;
    process.env.BETTER_AUTH_URL = origin;
    server = { id: "server-1", url: mcp.url };
  });

  /** Keeps what the caller stores with the server: the pinned authorization server and the registration. */
  const remember = (target: OAuthServer, started: Awaited<ReturnType<typeof startOAuth>>): OAuthServer => ({
    ...target,
    metadata: target.metadata ?? started.flow.metadata,
    clientInfo: started.clientInfo ?? target.clientInfo,
  });

  async function signIn(person: string) {
    issuer.signInAs(person);
    const started = await startOAuth(server, person);
    server = remember(server, started);
    const back = await authorizeInBrowser(started.authorizationUrl);
    expect(back.state).toBe(started.state);
    expect(`${back.url.origin}${back.url.pathname}?server=${back.url.searchParams.get("server")}`).toBe(callback);
    return { started, tokens: await finishOAuth(server, back.code!, started.codeVerifier, started.flow) };
  }

  it("discovers the authorization server, registers a client, and asks for a PKCE (S256) code", async () => {
    const started = await startOAuth(server, "alice");
    const url = new URL(started.authorizationUrl);
    expect(`${url.origin}${url.pathname}`).toBe(`${issuer.issuer}/authorize`);
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      response_type: "code",
      code_challenge_method: "S256",
      redirect_uri: callback,
      state: started.state,
      resource: mcp.url,
    });
    expect(url.searchParams.get("code_challenge")).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get("code_challenge")).not.toBe(started.codeVerifier);
    expect(Buffer.from(started.state, "base64url")).toHaveLength(32);
    expect(started.codeVerifier).toMatch(/^[\w-]{43}$/);
    const info = JSON.parse(started.clientInfo!);
    expect(url.searchParams.get("client_id")).toBe(info.client_id);
    expect(started.flow).toEqual({
      metadata: expect.objectContaining({
        issuer: issuer.issuer,
        tokenEndpoint: `${issuer.issuer}/token`,
        resource: mcp.url,
      }),
      redirectUri: callback,
      clientId: info.client_id,
    });
    expect(issuer.registrations.at(-1)).toMatchObject({
      redirect_uris: [callback],
      token_endpoint_auth_method: "none",
    });
    // A client registered before (stored with the server) is reused.
    const registrations = issuer.registrations.length;
    const again = await startOAuth(remember(server, started), "bob");
    expect(again.clientInfo).toBeUndefined();
    expect(new URL(again.authorizationUrl).searchParams.get("client_id")).toBe(info.client_id);
    expect(again.state).not.toBe(started.state);
    expect(issuer.registrations.length).toBe(registrations);
  });

  it("the redirect URI is the app's configured address (BETTER_AUTH_URL), never taken from a request", async () => {
    delete process.env.BETTER_AUTH_URL;
    const error = await startOAuth(server, "alice").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OAuthFlowError);
    expect(String(error)).toMatch(/BETTER_AUTH_URL/);
    process.env.BETTER_AUTH_URL = "https://threadkeeper.example/some/path";
    const started = await startOAuth(server, "alice");
    expect(new URL(started.authorizationUrl).searchParams.get("redirect_uri")).toBe(
      "https://threadkeeper.example/api/tool-connections/oauth/callback?server=server-1",
    );
  });

  it("exchanges the code for a token that works against the MCP server, for that person only", async () => {
    const { tokens } = await signIn("alice");
    expect(tokens.accessToken).toBeTruthy();
    expect(tokens.refreshToken).toBeTruthy();
    expect(tokens.expiresAt).toBeGreaterThan(Date.now());
    expect(issuer.tokenRequests.at(-1)).toMatchObject({ grant_type: "authorization_code", resource: mcp.url });

    const alice = { url: mcp.url, auth: "per_person" as const, personId: "alice", personToken: tokens.accessToken };
    expect((await listServerTools(alice)).map((tool) => tool.name)).toContain("echo");
    expect(await callServerTool(alice, "echo", { text: "hi" }, callOptions)).toMatchObject({
      outcome: "allowed",
      text: "hi",
    });
    expect(mcp.calls.at(-1)).toMatchObject({ tool: "echo", subject: "alice" });

    // Bob has not signed in: he is asked to, and nothing is sent with Alice's token.
    const before = mcp.calls.length;
    const bob = { url: mcp.url, auth: "per_person" as const, personId: "bob", personToken: null };
    expect(await callServerTool(bob, "echo", { text: "hi" }, callOptions)).toEqual({
      outcome: "failed",
      message: "needs_sign_in",
    });
    const forged = { ...bob, personToken: "not-a-token-from-the-issuer" };
    expect(await callServerTool(forged, "echo", { text: "hi" }, callOptions)).toEqual({
      outcome: "failed",
      message: "needs_sign_in",
    });
    expect(mcp.calls.length).toBe(before);
    expect(mcp.calls.every((call) => call.subject === "alice")).toBe(true);
  });

  it("refreshes a token at the pinned token endpoint", async () => {
    const { tokens } = await signIn("carol");
    const refreshed = await refreshOAuth(server, tokens.refreshToken!);
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(issuer.tokenRequests.at(-1)).toMatchObject({ grant_type: "refresh_token", resource: mcp.url });
    const carol = { url: mcp.url, auth: "per_person" as const, personToken: refreshed.accessToken };
    expect(await callServerTool(carol, "add", { a: 1, b: 2 }, callOptions)).toMatchObject({ text: "3" });
    expect(mcp.calls.at(-1)).toMatchObject({ tool: "add", subject: "carol" });
    // Nothing pinned: nothing to refresh with (no discovery at refresh time).
    await expect(refreshOAuth({ ...server, metadata: null }, tokens.refreshToken!)).rejects.toThrow(/sign in again/);
  });

  it("refuses a code with the wrong verifier, and an issuer that is not listed", async () => {
    issuer.signInAs("dave");
    const started = await startOAuth(server, "dave");
    const back = await authorizeInBrowser(started.authorizationUrl);
    const error = await finishOAuth(remember(server, started), back.code!, "x".repeat(43), started.flow).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OAuthFlowError);
    expect(String(error)).not.toContain(back.code!);

    process.env.MCP_ALLOWED_HOSTS = mcp.host;
    await expect(startOAuth(server, "dave")).rejects.toThrow(OAuthFlowError);
    await expect(startOAuth(server, "dave")).rejects.toThrow(/https/);
  });

  it("uses the operator's static client when one is configured", async () => {
    const registrations = issuer.registrations.length;
    const started = await startOAuth({ ...server, clientId: "static-client" }, "erin");
    expect(new URL(started.authorizationUrl).searchParams.get("client_id")).toBe("static-client");
    expect(started.flow.clientId).toBe("static-client");
    expect(started.clientInfo).toBeUndefined();
    expect(issuer.registrations.length).toBe(registrations);
  });

  it("two first sign-ins at once use one registration: the first stored wins, both finish", async () => {
    let stored: string | null = null;
    const saveClientInfo = async (info: string) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      stored ??= info;
      return stored;
    };
    const registrations = issuer.registrations.length;
    const [a, b] = await Promise.all(
      ["frank", "grace"].map((person) => startOAuth(server, person, { saveClientInfo })),
    );
    expect(issuer.registrations.length).toBe(registrations + 2);
    const winner = JSON.parse(stored!).client_id as string;
    expect(a.flow.clientId).toBe(winner);
    expect(b.flow.clientId).toBe(winner);
    expect(new URL(b.authorizationUrl).searchParams.get("client_id")).toBe(winner);
    server = { ...server, metadata: a.flow.metadata, clientInfo: stored };
    for (const [person, started] of [
      ["frank", a],
      ["grace", b],
    ] as const) {
      issuer.signInAs(person);
      const back = await authorizeInBrowser(started.authorizationUrl);
      const tokens = await finishOAuth(server, back.code!, started.codeVerifier, started.flow);
      expect(tokens.accessToken).toBeTruthy();
    }
  });

  describe("a server that changes its metadata afterwards (the authorization server is pinned)", () => {
    let evil: Awaited<ReturnType<typeof startMcpOAuthIssuer>>;
    let resource: Awaited<ReturnType<typeof startResourceServer>>;
    beforeEach(async () => {
      evil = await startMcpOAuthIssuer();
      resource = await startResourceServer(issuer.issuer);
      process.env.MCP_ALLOWED_HOSTS = "127.0.0.1";
    });
    afterEach(async () => {
      await evil.stop();
      await resource.stop();
    });

    it("never sends a code, verifier, refresh token or client secret to the issuer it names later", async () => {
      let pinned: OAuthMetadata | null = null;
      const pin = async (metadata: OAuthMetadata) => (pinned ??= metadata);
      let target: OAuthServer = { id: "server-2", url: resource.url };

      // Alice signs in: the first discovery pins the real issuer.
      issuer.signInAs("alice");
      const alice = await startOAuth(target, "alice", { pin });
      expect(pinned).toMatchObject({ issuer: issuer.issuer, tokenEndpoint: `${issuer.issuer}/token` });
      target = remember(target, alice);
      const aliceBack = await authorizeInBrowser(alice.authorizationUrl);
      const tokens = await finishOAuth(target, aliceBack.code!, alice.codeVerifier, alice.flow);
      // Bob starts before the switch and finishes after it.
      issuer.signInAs("bob");
      const bob = await startOAuth(target, "bob", { pin });

      resource.state.issuer = evil.issuer;
      const realTokenRequests = issuer.tokenRequests.length;

      // A refresh goes to the pinned token endpoint: with the dynamic client, and with an operator's static one.
      const refreshed = await refreshOAuth(target, tokens.refreshToken!);
      expect(refreshed.accessToken).toBeTruthy();
      const operator = { ...target, clientId: "real-idp-client", clientSecret: "REAL-IDP-CLIENT-SECRET" };
      await refreshOAuth(operator, tokens.refreshToken!).catch(() => undefined);
      // Bob's finish uses the endpoints his start found.
      const bobBack = await authorizeInBrowser(bob.authorizationUrl);
      expect((await finishOAuth(target, bobBack.code!, bob.codeVerifier, bob.flow)).accessToken).toBeTruthy();
      expect(issuer.tokenRequests.length).toBeGreaterThanOrEqual(realTokenRequests + 2);

      // A new start sees the other issuer and is refused, before that issuer is contacted at all.
      const error = await startOAuth(target, "carol", { pin }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OAuthFlowError);
      expect(String(error)).toMatch(/different authorization server/);
      expect(evil.tokenRequests).toEqual([]);
      expect(evil.registrations).toEqual([]);
      expect(JSON.stringify(evil.tokenRequests)).not.toContain("REAL-IDP-CLIENT-SECRET");
    });

    it("a start that finds the server pinned to another issuer meanwhile (a race) is refused", async () => {
      const otherPin = { ...(await startOAuth({ id: "s", url: resource.url }, "x")).flow.metadata };
      resource.state.issuer = evil.issuer;
      await expect(
        startOAuth({ id: "server-3", url: resource.url }, "dave", { pin: async () => otherPin }),
      ).rejects.toThrow(/different authorization server/);
      expect(evil.registrations).toEqual([]);
    });
  });

  describe("hosts listed in MCP_ALLOWED_HOSTS are trusted only as the MCP server itself", () => {
    let internal: Awaited<ReturnType<typeof startSilentServer>>;
    let resource: Awaited<ReturnType<typeof startResourceServer>>;
    beforeEach(async () => {
      // The operator's internal service, reachable as "localhost" (listed); the MCP server is on 127.0.0.1.
      internal = await startSilentServer();
      resource = await startResourceServer();
      process.env.MCP_ALLOWED_HOSTS = "127.0.0.1,localhost";
    });
    afterEach(async () => {
      await internal.stop();
      await resource.stop();
    });

    it("an issuer or endpoint on another listed host is refused, and that host receives nothing", async () => {
      const target = { id: "server-4", url: resource.url };
      resource.state.issuer = `http://localhost:${internal.port}`;
      await expect(startOAuth(target, "alice")).rejects.toThrow(/https/);
      // https: is no way around it: the name resolves to a loopback address.
      resource.state.issuer = `https://localhost:${internal.port}`;
      await expect(startOAuth(target, "alice")).rejects.toThrow(/private, loopback or reserved/);
      resource.state.issuer = `http://127.1.2.3:${internal.port}`;
      await expect(startOAuth(target, "alice")).rejects.toThrow(OAuthFlowError);

      // The server's own host may be its authorization server, but its metadata may not aim the
      // token or registration requests at another listed host.
      resource.state.issuer = resource.base;
      const metadata = {
        issuer: resource.base,
        authorization_endpoint: `${resource.base}/authorize`,
        token_endpoint: `${resource.base}/token`,
        registration_endpoint: `${resource.base}/register`,
        code_challenge_methods_supported: ["S256"],
      };
      for (const endpoint of ["token_endpoint", "registration_endpoint"]) {
        resource.state.authorizationServer = { ...metadata, [endpoint]: `http://localhost:${internal.port}/x` };
        await expect(startOAuth(target, "alice")).rejects.toThrow(/https/);
      }
      expect(internal.requests).toEqual([]);
    });
  });

  it("a registration made for the former single redirect URI is not reused: the server registers again (R2-1)", async () => {
    const first = await startOAuth(server, "alice");
    const info = JSON.parse(first.clientInfo!) as Record<string, string>;
    const former = JSON.stringify({ ...info, redirect_uri: `${origin}/api/tool-connections/oauth/callback` });
    const registrations = issuer.registrations.length;
    const again = await startOAuth({ ...server, metadata: first.flow.metadata, clientInfo: former }, "alice");
    expect(issuer.registrations.length).toBe(registrations + 1);
    expect(issuer.registrations.at(-1)).toMatchObject({ redirect_uris: [callback] });
    expect(JSON.parse(again.clientInfo!)).toMatchObject({ redirect_uri: callback });
    expect(again.flow.clientId).not.toBe(info.client_id);
  });

  it("refuses an oversized token from the authorization server (R2-11)", async () => {
    let body: Record<string, unknown> = {};
    const requests: string[] = [];
    const tokenServer = createServer((req: IncomingMessage, res: ServerResponse) => {
      requests.push(`${req.method} ${req.url}`);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    });
    await new Promise<void>((resolve) => tokenServer.listen(0, "127.0.0.1", resolve));
    const base = `http://127.0.0.1:${(tokenServer.address() as AddressInfo).port}`;
    try {
      process.env.MCP_ALLOWED_HOSTS = "127.0.0.1";
      const metadata: OAuthMetadata = {
        issuer: base,
        authorizationEndpoint: `${base}/authorize`,
        tokenEndpoint: `${base}/token`,
        resource: `${base}/mcp`,
      };
      const target: OAuthServer = { id: "server-9", url: `${base}/mcp`, clientId: "static", metadata };
      const flow = { metadata, redirectUri: callback, clientId: "static" };
      const finish = () => finishOAuth(target, "code", "v".repeat(43), flow);
      body = { access_token: "a".repeat(16_385), token_type: "Bearer" };
      await expect(finish()).rejects.toThrow(/oversized token/);
      body = { access_token: "a", refresh_token: "r".repeat(16_385), token_type: "Bearer" };
      await expect(finish()).rejects.toThrow(/oversized token/);
      body = { access_token: "a".repeat(16_384), refresh_token: "r", token_type: "Bearer" };
      expect((await finish()).accessToken).toHaveLength(16_384);
      expect(requests).toEqual(["POST /token", "POST /token", "POST /token"]);
    } finally {
      await close(tokenServer);
    }
  });

  it(`a start ends within its deadline (${oauthDeadlineMs / 1000} s by default) against a server that never answers`, async () => {
    const silent = await startSilentServer();
    try {
      process.env.MCP_ALLOWED_HOSTS = "127.0.0.1";
      const began = performance.now();
      const error = await startOAuth({ id: "server-5", url: silent.url }, "alice", { deadlineMs: 600 }).catch(
        (e: unknown) => e,
      );
      expect(performance.now() - began).toBeLessThan(3000);
      expect(error).toBeInstanceOf(OAuthFlowError);
      expect(String(error)).toMatch(/did not answer in time/);
      expect(silent.requests.length).toBeGreaterThan(0);
    } finally {
      await silent.stop();
    }
  });
});
