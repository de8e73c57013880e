import "server-only";
import { createHash, randomBytes } from "node:crypto";
import { isIP } from "node:net";
import type { McpOAuthFlowData, McpOAuthMetadata } from "@/db/schema";
import { positiveIntFromEnv, type Env } from "@/lib/config/env";
import { ApiError } from "@/lib/http/errors";
import { checkServerUrl, createGuardedFetch, findRefusal, guardedFetch, isPublicAddress } from "@/lib/tools/network";

/*
 * A person's own sign-in to an MCP server (OAuth 2.1 as the MCP authorization spec has it):
 * protected-resource metadata names the authorization server, its metadata names the endpoints,
 * PKCE (S256) binds the code to this flow, and a client is registered dynamically when the operator
 * configured none. Every request goes through the network guard: the metadata comes from the server,
 * so it may point anywhere. Tokens, codes and verifiers never appear in an error message.
 *
 * The authorization server is pinned at the first successful discovery (the caller stores it with
 * the server): finishing a sign-in uses the endpoints its start found (kept with the flow), a
 * refresh uses the pinned ones, and neither asks the MCP server again. A later start whose
 * discovery names another issuer is refused, so a server that changes its metadata cannot aim
 * codes, verifiers, refresh tokens or the operator's client secret at another host.
 *
 * A host listed in MCP_ALLOWED_HOSTS is trusted only as the configured MCP server itself: an
 * address from a server's metadata on another host must be https: and public, whatever the list says.
 */

export type OAuthMetadata = McpOAuthMetadata;
/** What a sign-in in progress keeps (with its state) to finish exactly as it started. */
export type OAuthFlow = McpOAuthFlowData;

export type OAuthServer = {
  id: string;
  url: string;
  clientId?: string | null;
  clientSecret?: string | null;
  /** JSON from an earlier dynamic registration (stored encrypted, per server). */
  clientInfo?: string | null;
  /** The authorization server pinned at the first sign-in, if any. */
  metadata?: OAuthMetadata | null;
};

export type OAuthTokens = { accessToken: string; refreshToken?: string; expiresAt?: number };

/** A sign-in that cannot go on; the message is safe to show and log (no token, code or verifier). */
export class OAuthFlowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OAuthFlowError";
  }
}

type ClientInfo = { client_id: string; client_secret?: string; redirect_uri: string; issuer: string };

export const callbackPath = "/api/tool-connections/oauth/callback";
/** The callback's query parameter naming the server a redirect URI is for (one redirect URI per server). */
export const callbackServerParam = "server";

/** The longest access or refresh token, and client id or secret, taken from an authorization server. */
const maxTokenChars = 16_384;
const maxClientChars = 4096;
const oversized = () => new OAuthFlowError("the authorization server sent an oversized token.");

/** A whole start, finish or refresh (every request in it) ends within this. */
export const oauthDeadlineMs = 15_000;

/**
 * Where the authorization server sends the person back: the app's configured public URL
 * (BETTER_AUTH_URL), the same trusted origin the auth library and the same-origin check use. Never a
 * request's Host header: that would let anyone choose the address a server's registration is for.
 *
 * One redirect URI per server (`?server=<id>`), used in its registration, authorization and token
 * requests alike: a code one server's authorization server issues can only come back naming that
 * server, and the callback refuses it for another server's sign-in (the OAuth mix-up, RFC 9700 4.4).
 */
export function oauthRedirectUri(serverId: string, env: Env = process.env): string {
  const base = env.BETTER_AUTH_URL;
  if (!base) throw new OAuthFlowError("the app's public address is not configured (set BETTER_AUTH_URL).");
  const url = new URL(callbackPath, new URL(base).origin);
  url.searchParams.set(callbackServerParam, serverId);
  return url.href;
}

const requestTimeoutMs = () => positiveIntFromEnv(process.env, "MCP_TOOL_TIMEOUT_MS", 30_000);

// The same guard with no listed hosts: for every address a server's metadata names on a host
// other than the server's own (env is read per request, like guardedFetch's).
const unlistedEnv: Env = new Proxy({} as Env, {
  get: (_target, name) => (name === "MCP_ALLOWED_HOSTS" ? "" : process.env[name as string]),
});
const unlistedFetch = createGuardedFetch({ env: unlistedEnv });

/** One sign-in step's context: the configured server's address and the deadline of the whole step. */
type Step = { serverUrl: URL; signal: AbortSignal };

/**
 * An address from the server's or the authorization server's metadata. The guard's rules, and on a
 * host other than the MCP server's: https: and (for an IP address) public, even if the host is listed.
 */
function metadataUrl(raw: string, step: Step): URL {
  const url = checkServerUrl(raw);
  if (url.hostname === step.serverUrl.hostname) return url;
  if (url.protocol !== "https:") {
    throw new OAuthFlowError(
      "the authorization server's address must use https: (a host in MCP_ALLOWED_HOSTS is trusted only as the MCP server itself).",
    );
  }
  const bare = url.hostname.replace(/^\[|\]$/g, "");
  if (isIP(bare) && !isPublicAddress(bare)) {
    throw new OAuthFlowError("the authorization server's address is private, loopback or reserved.");
  }
  return url;
}

/** Sends one request of a step: the server's own host through the guard, any other as if never listed. */
function send(step: Step, url: URL, init: RequestInit): Promise<Response> {
  const fetcher = url.hostname === step.serverUrl.hostname ? guardedFetch : unlistedFetch;
  return fetcher(url, { ...init, signal: AbortSignal.any([AbortSignal.timeout(requestTimeoutMs()), step.signal]) });
}

/** A metadata document; null when it is not there (or not JSON). Past the deadline, the deadline's error. */
async function getJson(step: Step, url: URL): Promise<Record<string, unknown> | null> {
  return fetchJson(step, url).catch((error: unknown) => {
    // An address the guard will not reach says more than "no metadata".
    if (step.signal.aborted || findRefusal(error)?.reason === "address") throw error;
    return null;
  });
}

async function fetchJson(step: Step, url: URL): Promise<Record<string, unknown> | null> {
  const response = await send(step, url, { headers: { Accept: "application/json" } });
  if (!response.ok) {
    await response.body?.cancel().catch(() => undefined);
    return null;
  }
  const body = (await response.json().catch(() => null)) as unknown;
  return body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : null;
}

async function postForm(step: Step, url: URL, form: URLSearchParams, headers: Record<string, string> = {}) {
  const response = await send(step, url, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json", ...headers },
    body: form.toString(),
  });
  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  return { ok: response.ok, status: response.status, body: body && typeof body === "object" ? body : null };
}

const withoutTrailingSlash = (url: string) => url.replace(/\/+$/, "");
export const sameIssuer = (a: string, b: string) => withoutTrailingSlash(a) === withoutTrailingSlash(b);
const wellKnown = (base: URL, name: string) =>
  new URL(`${base.origin}/.well-known/${name}${base.pathname === "/" ? "" : withoutTrailingSlash(base.pathname)}`);

/** The `resource_metadata` URL from the MCP server's 401 challenge, if it gives one on its own origin. */
async function announcedResourceMetadata(step: Step): Promise<URL | null> {
  const response = await send(step, step.serverUrl, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json, text/event-stream" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 0, method: "ping" }),
  });
  await response.body?.cancel().catch(() => undefined);
  if (response.status !== 401) return null;
  const challenge = /resource_metadata="([^"]+)"/.exec(response.headers.get("www-authenticate") ?? "")?.[1];
  if (!challenge) return null;
  const url = new URL(challenge, step.serverUrl);
  // Another origin could be anyone's metadata; the well-known places are tried instead.
  return url.origin === step.serverUrl.origin ? url : null;
}

/**
 * Discovery: protected resource metadata (RFC 9728) names the issuer, whose metadata (RFC 8414)
 * names the endpoints. With a pinned issuer, a server naming another one is refused before that
 * other host is contacted at all.
 */
async function discover(step: Step, pinnedIssuer: string | null): Promise<OAuthMetadata> {
  const serverUrl = step.serverUrl;
  // Where the server's 401 says the metadata is, else the well-known places, path-specific first.
  // Without it, the MCP server's own origin is the authorization server (the 2025-03-26 revision).
  let protectedResource: Record<string, unknown> | null = null;
  const announced = await announcedResourceMetadata(step).catch((error: unknown) => {
    if (step.signal.aborted) throw error;
    return null;
  });
  for (const candidate of [
    ...(announced ? [announced] : []),
    wellKnown(serverUrl, "oauth-protected-resource"),
    new URL(`${serverUrl.origin}/.well-known/oauth-protected-resource`),
  ]) {
    protectedResource = await getJson(step, candidate);
    if (protectedResource) break;
  }
  const servers = protectedResource?.authorization_servers;
  const issuer = Array.isArray(servers) && typeof servers[0] === "string" ? servers[0] : serverUrl.origin;
  if (pinnedIssuer !== null && !sameIssuer(issuer, pinnedIssuer)) {
    throw new OAuthFlowError(
      "the server now names a different authorization server than the one it was first signed in with; an admin must save the server's address again to accept it.",
    );
  }
  const declaredResource = typeof protectedResource?.resource === "string" ? protectedResource.resource : null;
  if (declaredResource && new URL(declaredResource, serverUrl).origin !== serverUrl.origin) {
    throw new OAuthFlowError("the server's metadata names a different resource.");
  }
  const resource = declaredResource ? new URL(declaredResource, serverUrl).href : serverUrl.href;
  const scopes = protectedResource?.scopes_supported;

  const issuerUrl = metadataUrl(issuer, step);
  const candidates =
    issuerUrl.pathname === "/"
      ? [wellKnown(issuerUrl, "oauth-authorization-server"), wellKnown(issuerUrl, "openid-configuration")]
      : [
          wellKnown(issuerUrl, "oauth-authorization-server"),
          wellKnown(issuerUrl, "openid-configuration"),
          new URL(`${withoutTrailingSlash(issuerUrl.href)}/.well-known/openid-configuration`),
        ];
  let metadata: Record<string, unknown> | null = null;
  for (const candidate of candidates) {
    metadata = await getJson(step, candidate);
    if (metadata) break;
  }
  if (!metadata) throw new OAuthFlowError("the server's authorization server publishes no metadata.");
  // RFC 8414: the metadata must be about the issuer we asked for, or it may be someone else's.
  if (typeof metadata.issuer !== "string" || !sameIssuer(metadata.issuer, issuer)) {
    throw new OAuthFlowError("the authorization server's metadata names a different issuer.");
  }
  const methods = metadata.code_challenge_methods_supported;
  if (!Array.isArray(methods) || !methods.includes("S256")) {
    throw new OAuthFlowError("the authorization server does not support PKCE (S256).");
  }
  const endpoint = (name: string) => {
    const value = metadata[name];
    return typeof value === "string" ? metadataUrl(value, step).href : undefined;
  };
  const authorizationEndpoint = endpoint("authorization_endpoint");
  const tokenEndpoint = endpoint("token_endpoint");
  if (!authorizationEndpoint || !tokenEndpoint)
    throw new OAuthFlowError("the authorization server's metadata is incomplete.");
  const registrationEndpoint = endpoint("registration_endpoint");
  const authMethods = metadata.token_endpoint_auth_methods_supported;
  const scope =
    Array.isArray(scopes) && scopes.every((s) => typeof s === "string") ? scopes.join(" ").slice(0, 1000) : undefined;
  return {
    issuer,
    authorizationEndpoint,
    tokenEndpoint,
    ...(registrationEndpoint && { registrationEndpoint }),
    ...(Array.isArray(authMethods) && {
      authMethods: authMethods.filter((m): m is string => typeof m === "string" && m.length <= 100).slice(0, 20),
    }),
    resource,
    ...(scope && { scope }),
  };
}

function parseClientInfo(raw: string | null | undefined): ClientInfo | null {
  if (!raw) return null;
  try {
    const info = JSON.parse(raw) as Partial<ClientInfo>;
    return typeof info.client_id === "string" &&
      typeof info.redirect_uri === "string" &&
      typeof info.issuer === "string"
      ? (info as ClientInfo)
      : null;
  } catch {
    return null;
  }
}

type Client = { clientId: string; clientSecret?: string };

/** The operator's static client, else the registration stored for this issuer (and redirect URI). */
function storedClient(server: OAuthServer, metadata: OAuthMetadata, redirectUri: string | null): Client | null {
  if (server.clientId) return { clientId: server.clientId, clientSecret: server.clientSecret ?? undefined };
  const stored = parseClientInfo(server.clientInfo);
  if (
    stored &&
    sameIssuer(stored.issuer, metadata.issuer) &&
    (redirectUri === null || stored.redirect_uri === redirectUri)
  )
    return { clientId: stored.client_id, clientSecret: stored.client_secret };
  return null;
}

/** Raised by a caller's hook: passed on as it is (it is not about the authorization server). */
class HookFailure extends Error {
  constructor(readonly error: unknown) {
    super("hook failed");
  }
}
const hook = async <T>(run: () => Promise<T>): Promise<T> => {
  try {
    return await run();
  } catch (error) {
    throw new HookFailure(error);
  }
};

/** Registers a client (RFC 7591); `save` stores it and answers the registration in effect. */
async function registerClient(
  step: Step,
  metadata: OAuthMetadata,
  redirectUri: string,
  save: (clientInfo: string) => Promise<string | null>,
): Promise<Client & { clientInfo: string }> {
  if (!metadata.registrationEndpoint) {
    throw new OAuthFlowError("the server needs an OAuth client ID: the authorization server offers no registration.");
  }
  const response = await send(step, metadataUrl(metadata.registrationEndpoint, step), {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({
      client_name: "Threadkeeper",
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    }),
  });
  const body = (await response.json().catch(() => null)) as Record<string, unknown> | null;
  if (!response.ok || typeof body?.client_id !== "string") {
    throw new OAuthFlowError(`the authorization server refused to register a client (HTTP ${response.status}).`);
  }
  if (
    body.client_id.length > maxClientChars ||
    (typeof body.client_secret === "string" && body.client_secret.length > maxClientChars)
  )
    throw oversized();
  const info: ClientInfo = {
    client_id: body.client_id,
    ...(typeof body.client_secret === "string" && { client_secret: body.client_secret }),
    redirect_uri: redirectUri,
    issuer: metadata.issuer,
  };
  // Two first sign-ins at once both register; the first one stored wins and both use it.
  const inEffect = await hook(() => save(JSON.stringify(info)));
  const winner = parseClientInfo(inEffect);
  if (!winner || !sameIssuer(winner.issuer, metadata.issuer) || winner.redirect_uri !== redirectUri) {
    throw new OAuthFlowError("another sign-in changed this server's client registration meanwhile; try again.");
  }
  return { clientId: winner.client_id, clientSecret: winner.client_secret, clientInfo: inEffect! };
}

const base64url = (bytes: Buffer) => bytes.toString("base64url");

/**
 * Runs one step (start, finish, refresh) against the configured server's address within its
 * deadline. Every failure becomes an OAuthFlowError with a safe message: refusals keep theirs,
 * anything else is generic; a caller's hook's error passes through as it is.
 */
async function inStep<T>(serverUrl: string, deadlineMs: number, run: (step: Step) => Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(deadlineMs);
  try {
    return await run({ serverUrl: checkServerUrl(serverUrl), signal });
  } catch (error) {
    if (error instanceof HookFailure) throw error.error;
    if (error instanceof OAuthFlowError) throw error;
    const refusal = findRefusal(error);
    if (refusal) throw new OAuthFlowError(refusal.message);
    if (error instanceof ApiError) throw new OAuthFlowError(error.message);
    if (signal.aborted) throw new OAuthFlowError("the authorization server did not answer in time.");
    throw new OAuthFlowError("could not reach the authorization server.");
  }
}

export type StartOptions = {
  /**
   * Pins the authorization server found by the server's first sign-in; answers the one pinned (this
   * one, or another start's that came first). Without it, nothing is pinned.
   */
  pin?: (metadata: OAuthMetadata) => Promise<OAuthMetadata>;
  /** Stores a client registered just now; answers the registration in effect (this one, or another's that came first). */
  saveClientInfo?: (clientInfo: string) => Promise<string | null>;
  /** The whole start's deadline (tests). */
  deadlineMs?: number;
  env?: Env;
};

/**
 * Begins a sign-in: where to send the person, the state to match on return, the PKCE verifier to
 * keep (encrypted) until then, and the flow (endpoints, redirect URI, client) to finish it with.
 * `clientInfo` is the registration in effect when one was made just now.
 */
export async function startOAuth(
  server: OAuthServer,
  userId: string,
  options: StartOptions = {},
): Promise<{ authorizationUrl: string; state: string; codeVerifier: string; flow: OAuthFlow; clientInfo?: string }> {
  void userId; // The flow row ties state to the person; nothing person-specific goes to the server.
  return inStep(server.url, options.deadlineMs ?? oauthDeadlineMs, async (step) => {
    const redirectUri = oauthRedirectUri(server.id, options.env);
    const pinned = server.metadata ?? null;
    const discovered = await discover(step, pinned?.issuer ?? null);
    // Once pinned, the pinned endpoints are used: discovery only confirms the server still names that issuer.
    const metadata = pinned ?? (options.pin ? await hook(() => options.pin!(discovered)) : discovered);
    if (!sameIssuer(metadata.issuer, discovered.issuer)) {
      throw new OAuthFlowError("another sign-in pinned a different authorization server for this server meanwhile.");
    }
    let client: (Client & { clientInfo?: string }) | null = storedClient(server, metadata, redirectUri);
    if (!client) client = await registerClient(step, metadata, redirectUri, options.saveClientInfo ?? (async (i) => i));
    const state = base64url(randomBytes(32));
    const codeVerifier = base64url(randomBytes(32));
    const url = new URL(metadata.authorizationEndpoint);
    url.searchParams.set("response_type", "code");
    url.searchParams.set("client_id", client.clientId);
    url.searchParams.set("redirect_uri", redirectUri);
    url.searchParams.set("code_challenge", base64url(createHash("sha256").update(codeVerifier).digest()));
    url.searchParams.set("code_challenge_method", "S256");
    url.searchParams.set("state", state);
    url.searchParams.set("resource", metadata.resource);
    if (metadata.scope) url.searchParams.set("scope", metadata.scope);
    return {
      authorizationUrl: url.href,
      state,
      codeVerifier,
      flow: { metadata, redirectUri, clientId: client.clientId },
      ...(client.clientInfo && { clientInfo: client.clientInfo }),
    };
  });
}

async function requestTokens(
  step: Step,
  metadata: OAuthMetadata,
  client: Client,
  grant: Record<string, string>,
): Promise<OAuthTokens> {
  const form = new URLSearchParams({ ...grant, resource: metadata.resource });
  const headers: Record<string, string> = {};
  if (client.clientSecret && !metadata.authMethods?.includes("client_secret_post")) {
    const encode = (value: string) => encodeURIComponent(value);
    headers.Authorization = `Basic ${Buffer.from(`${encode(client.clientId)}:${encode(client.clientSecret)}`).toString("base64")}`;
  } else {
    form.set("client_id", client.clientId);
    if (client.clientSecret) form.set("client_secret", client.clientSecret);
  }
  const { ok, status, body } = await postForm(step, metadataUrl(metadata.tokenEndpoint, step), form, headers);
  if (!ok || !body) {
    const code = typeof body?.error === "string" ? body.error.replace(/[^\w.-]/g, "").slice(0, 64) : `HTTP ${status}`;
    throw new OAuthFlowError(`the authorization server refused the sign-in (${code}).`);
  }
  if (typeof body.access_token !== "string" || !body.access_token) {
    throw new OAuthFlowError("the authorization server sent no access token.");
  }
  if (typeof body.token_type !== "string" || body.token_type.toLowerCase() !== "bearer") {
    throw new OAuthFlowError("the authorization server sent a token that is not a bearer token.");
  }
  if (
    body.access_token.length > maxTokenChars ||
    (typeof body.refresh_token === "string" && body.refresh_token.length > maxTokenChars)
  )
    throw oversized();
  const expiresIn = typeof body.expires_in === "number" && body.expires_in > 0 ? body.expires_in : null;
  return {
    accessToken: body.access_token,
    ...(typeof body.refresh_token === "string" && body.refresh_token && { refreshToken: body.refresh_token }),
    // Milliseconds since the epoch, like Date.now().
    ...(expiresIn && { expiresAt: Date.now() + expiresIn * 1000 }),
  };
}

/**
 * Exchanges the code from the callback for the person's tokens, at the token endpoint the flow
 * started with (no discovery), with the client it started with, if the server still has that
 * authorization server pinned.
 */
export async function finishOAuth(
  server: OAuthServer,
  code: string,
  codeVerifier: string,
  flow: OAuthFlow,
): Promise<OAuthTokens> {
  return inStep(server.url, oauthDeadlineMs, async (step) => {
    if (!server.metadata || !sameIssuer(server.metadata.issuer, flow.metadata.issuer)) {
      throw new OAuthFlowError("the server's sign-in settings changed since this sign-in started; sign in again.");
    }
    const client = storedClient(server, flow.metadata, flow.redirectUri);
    if (!client || client.clientId !== flow.clientId) {
      throw new OAuthFlowError("the server's OAuth client changed since this sign-in started; sign in again.");
    }
    return requestTokens(step, flow.metadata, client, {
      grant_type: "authorization_code",
      code,
      redirect_uri: flow.redirectUri,
      code_verifier: codeVerifier,
    });
  });
}

/**
 * A fresh access token from a refresh token, at the pinned token endpoint (no discovery); the old
 * refresh token is kept when no new one comes.
 */
export async function refreshOAuth(server: OAuthServer, refreshToken: string): Promise<OAuthTokens> {
  return inStep(server.url, oauthDeadlineMs, async (step) => {
    const metadata = server.metadata;
    if (!metadata) throw new OAuthFlowError("no authorization server is pinned for this server; sign in again.");
    // A refresh sends no redirect URI, so any client registered with the pinned issuer will do.
    const client = storedClient(server, metadata, null);
    if (!client) throw new OAuthFlowError("this server's client registration is gone; sign in again.");
    const tokens = await requestTokens(step, metadata, client, {
      grant_type: "refresh_token",
      refresh_token: refreshToken,
    });
    return { refreshToken, ...tokens };
  });
}
