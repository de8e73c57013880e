import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { OAuth2Server } from "oauth2-mock-server";
import { freePort } from "./postgres";

/*
 * An OAuth authorization server for MCP sign-in tests: oauth2-mock-server (discovery, JWKS, PKCE
 * checked at the token endpoint) plus dynamic client registration (RFC 7591), which it lacks.
 * Access tokens carry the `sub` named by `signInAs`, as if that person had signed in on its page.
 */
export async function startMcpOAuthIssuer(options: { registration?: boolean } = {}) {
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  const port = await freePort();
  // On the MCP test servers' host (127.0.0.1): an OAuth address on another listed host is refused.
  server.issuer.url = `http://127.0.0.1:${port}`;
  await server.start(port, "127.0.0.1");
  const issuer = server.issuer.url!;
  const registrations: Record<string, unknown>[] = [];
  const tokenRequests: Record<string, string>[] = [];
  let subject = "johndoe";

  if (options.registration !== false) {
    server.service.on("beforeWellKnownOpenIdConfiguration", (response: { body: Record<string, unknown> }) => {
      response.body.registration_endpoint = `${issuer}/register`;
    });
    server.service.addRoute("POST", "/register", (req: IncomingMessage & { body?: unknown }, res: ServerResponse) => {
      const metadata = (req.body ?? {}) as Record<string, unknown>;
      registrations.push(metadata);
      res.writeHead(201, { "content-type": "application/json" });
      res.end(JSON.stringify({ ...metadata, client_id: `client-${randomUUID()}`, client_id_issued_at: 0 }));
    });
  }
  server.service.on("beforeTokenSigning", (token: { payload: Record<string, unknown> }) => {
    // A fresh id, so a token refreshed within the same second still differs from the old one.
    Object.assign(token.payload, { sub: subject, jti: randomUUID() });
  });
  server.service.on("beforeResponse", (_response: unknown, req: IncomingMessage & { body?: unknown }) => {
    tokenRequests.push({ ...(req.body as Record<string, string>) });
  });

  return {
    issuer,
    registrations,
    /** Bodies of the token requests received (grant type, client id, resource, ...). */
    tokenRequests,
    signInAs(sub: string) {
      subject = sub;
    },
    stop: () => server.stop(),
  };
}

/** Plays the browser: opens the authorization URL and reads where the server sends the person back. */
export async function authorizeInBrowser(authorizationUrl: string) {
  const response = await fetch(authorizationUrl, { redirect: "manual" });
  const location = response.headers.get("location");
  if (!location) throw new Error(`The authorization server did not redirect (HTTP ${response.status}).`);
  const back = new URL(location);
  return { url: back, code: back.searchParams.get("code"), state: back.searchParams.get("state") };
}
