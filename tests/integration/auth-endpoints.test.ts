import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAuth } from "@/auth";
import { connectPglite, type DatabaseHandle } from "@/db/connect";
import { allowedAuthEndpoint, authEndpoints } from "@/lib/auth/endpoints";
import { testEnv } from "../support/databases";

type Exposed = { name: string; path: string; methods: string[] };

/** Every endpoint the better-auth instance routes, read from the instance itself (not from a list kept by hand). */
function exposedBy(auth: ReturnType<typeof createAuth>): Exposed[] {
  return Object.entries(auth.api).flatMap(([name, endpoint]) => {
    const { path, options } = endpoint as unknown as { path?: string; options?: { method?: string | string[] } };
    // Server-only endpoints (generateTOTP, setPassword, ...) have no path: the router cannot reach them.
    if (typeof path !== "string") return [];
    const method = options?.method ?? "*";
    return [{ name, path, methods: method === "*" ? ["GET", "POST", "PUT", "PATCH", "DELETE"] : [method].flat() }];
  });
}

// A request path that the endpoint's pattern matches: each :param becomes one plain segment.
const sample = (path: string) => path.replace(/:[^/]+/g, "sample-value_1");
const everyMethod = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

describe("the /api/auth allow-list against the better-auth instance", () => {
  let handle: DatabaseHandle;
  let exposed: Exposed[];
  beforeAll(async () => {
    handle = connectPglite(undefined);
    // Every sign-in method configured, so every plugin the app can load is there (the OIDC
    // provider's discovery fails at once on a closed port; its plugin is loaded all the same).
    const auth = createAuth(
      handle.db,
      testEnv({
        GITHUB_CLIENT_ID: "id",
        GITHUB_CLIENT_SECRET: "secret",
        GOOGLE_CLIENT_ID: "id",
        GOOGLE_CLIENT_SECRET: "secret",
        OIDC_ISSUER: "http://127.0.0.1:9",
        OIDC_CLIENT_ID: "id",
      }),
    );
    exposed = exposedBy(auth);
  });
  afterAll(() => handle.close());

  it("reaches exactly the listed endpoints: nothing the instance has passes unless it is listed, method by method", () => {
    const exposedPairs = new Set(exposed.flatMap((e) => e.methods.map((m) => `${m} ${e.path}`)));
    const listed = new Set(authEndpoints.map((e) => `${e.method} ${e.path}`));
    const reachable = new Set(
      exposed.flatMap((e) =>
        everyMethod.filter((m) => allowedAuthEndpoint(m, sample(e.path))).map((m) => `${m} ${e.path}`),
      ),
    );
    console.log(
      `better-auth instance: ${exposed.length} endpoints with a path (${exposedPairs.size} method + path pairs); allow-list: ${listed.size}`,
    );
    // Reachable but not listed (a wildcard, a loose pattern, a method let through): fails here.
    expect([...reachable].filter((r) => !listed.has(r))).toEqual([]);
    // Listed but not on the instance (a renamed or removed endpoint, a wrong method): fails here.
    expect([...listed].filter((l) => !exposedPairs.has(l))).toEqual([]);
    expect(reachable).toEqual(listed);
  });

  it("answers none of the admin plugin's endpoints, nor the other account-changing ones the pages do not use", () => {
    const admin = exposed.filter((e) => e.path.startsWith("/admin/"));
    expect(admin.map((e) => e.path)).toEqual(
      expect.arrayContaining([
        "/admin/set-user-password",
        "/admin/update-user",
        "/admin/create-user",
        "/admin/list-user-sessions",
        "/admin/impersonate-user",
        "/admin/stop-impersonating",
      ]),
    );
    for (const e of admin)
      for (const m of everyMethod) expect(allowedAuthEndpoint(m, sample(e.path)), `${m} ${e.path}`).toBeUndefined();
    for (const path of [
      "/change-email",
      "/list-sessions",
      "/list-accounts",
      "/revoke-sessions",
      "/update-session",
      "/two-factor/get-totp-uri",
      "/passkey/list-user-passkeys",
      "/delete-user/callback",
      "/ok",
    ]) {
      expect(
        exposed.some((e) => e.path === path),
        path,
      ).toBe(true);
      for (const m of everyMethod) expect(allowedAuthEndpoint(m, path), `${m} ${path}`).toBeUndefined();
    }
  });
});
