import { OAuth2Server } from "oauth2-mock-server";
import { freePort } from "./postgres";

export type Identity = { sub: string; email: string; email_verified: boolean; name: string };

/**
 * A real OpenID Connect provider on 127.0.0.1 (oauth2-mock-server: discovery, JWKS, signed ID
 * tokens, PKCE checked at the token endpoint, nonce echoed). It signs in whoever `signInAs`
 * names next, as a provider would after its own login page.
 */
export async function startOidcProvider() {
  const server = new OAuth2Server();
  await server.issuer.keys.generate("RS256");
  const port = await freePort();
  await server.start(port, "127.0.0.1");
  let identity: Identity | null = null;
  // Both the access token and the ID token carry who signed in.
  server.service.on("beforeTokenSigning", (token: { payload: Record<string, unknown> }) => {
    if (identity) Object.assign(token.payload, identity);
  });
  // An answer altered on its way back to the app (a forged or replayed callback link).
  let tamper: "state" | "code" | null = null;
  server.service.on("beforeAuthorizeRedirect", (redirect: { url: URL }) => {
    if (!tamper) return;
    redirect.url.searchParams.set(tamper, `${redirect.url.searchParams.get(tamper)}x`);
    tamper = null;
  });
  server.service.on("beforeUserinfo", (response: { body: Record<string, unknown> }) => {
    if (identity) response.body = { ...identity };
  });
  return {
    issuer: server.issuer.url!,
    signInAs(next: Identity) {
      identity = next;
    },
    /** The next redirect back to the app carries an altered `state` or `code`. */
    tamperNextRedirect(param: "state" | "code") {
      tamper = param;
    },
    stop: () => server.stop(),
  };
}
