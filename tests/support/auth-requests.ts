/** The app's address in testEnv() (BETTER_AUTH_URL): better-auth takes requests from it as same-origin. */
export const authOrigin = "http://localhost:3000";

/**
 * A JSON POST to better-auth's handler at /api/auth`path`, as the app's own pages send one;
 * `headers` are added (a cookie, a client address, a user agent).
 */
export const postToAuth = (
  auth: { handler: (request: Request) => Promise<Response> },
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  auth.handler(
    new Request(`${authOrigin}/api/auth${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: authOrigin, ...headers },
      body: JSON.stringify(body),
    }),
  );
