import { describe, expect, it } from "vitest";
import { enabledSocialProviders, readOidcConfig, signInOptions } from "@/lib/auth/social-providers";
import { isProductionRuntime, missingSecretMessage, resolveAuthSecret } from "@/lib/auth/secret";
import { safeCallbackPath } from "@/lib/auth/safe-redirect";

describe("social providers", () => {
  it("are offered only when both id and secret are set", () => {
    expect(enabledSocialProviders({})).toEqual([]);
    expect(enabledSocialProviders({ GITHUB_CLIENT_ID: "id" })).toEqual([]);
    expect(enabledSocialProviders({ GITHUB_CLIENT_ID: "id", GITHUB_CLIENT_SECRET: "s" })).toEqual(["github"]);
    expect(
      enabledSocialProviders({
        GITHUB_CLIENT_ID: "a",
        GITHUB_CLIENT_SECRET: "b",
        GOOGLE_CLIENT_ID: "c",
        GOOGLE_CLIENT_SECRET: "d",
      }),
    ).toEqual(["github", "google"]);
  });
});

describe("single sign-on settings", () => {
  const oidc = { OIDC_ISSUER: "https://id.example.com/realms/team/", OIDC_CLIENT_ID: "threadkeeper" };
  it("are read from OIDC_*, with defaults for the name and scopes", () => {
    expect(readOidcConfig({})).toBeNull();
    expect(readOidcConfig(oidc)).toEqual({
      issuer: "https://id.example.com/realms/team",
      clientId: "threadkeeper",
      clientSecret: undefined,
      name: "single sign-on",
      scopes: ["openid", "email", "profile"],
    });
    expect(
      readOidcConfig({ ...oidc, OIDC_NAME: "Acme", OIDC_SCOPES: "openid email groups", OIDC_CLIENT_SECRET: "s" }),
    ).toMatchObject({ name: "Acme", scopes: ["openid", "email", "groups"], clientSecret: "s" });
  });
  it("stop the app when half made, saying what is missing", () => {
    expect(() => readOidcConfig({ OIDC_ISSUER: "https://id.example.com" })).toThrow(/OIDC_CLIENT_ID/);
    expect(() => readOidcConfig({ ...oidc, OIDC_ISSUER: "id.example.com" })).toThrow(/http\(s\) URL/);
    expect(() => readOidcConfig({ OIDC_ONLY: "true" })).toThrow(/OIDC_ONLY=true needs OIDC_ISSUER/);
  });
  it("decide what the sign-in page offers: SSO first, and no password form with OIDC_ONLY", () => {
    expect(signInOptions({})).toEqual({ providers: [], password: true });
    expect(signInOptions({ ...oidc, OIDC_NAME: "Acme", GITHUB_CLIENT_ID: "a", GITHUB_CLIENT_SECRET: "b" })).toEqual({
      providers: [
        { id: "oidc", label: "Acme" },
        { id: "github", label: "GitHub" },
      ],
      password: true,
    });
    expect(signInOptions({ ...oidc, OIDC_ONLY: "true" }).password).toBe(false);
  });
});

describe("auth secret", () => {
  it("uses BETTER_AUTH_SECRET when set", () => {
    expect(resolveAuthSecret({ BETTER_AUTH_SECRET: "from-env", NODE_ENV: "production" })).toBe("from-env");
  });
  it("refuses to run in production without one, with a message that says how to make one", () => {
    expect(() => resolveAuthSecret({ NODE_ENV: "production" })).toThrow(missingSecretMessage);
    expect(missingSecretMessage).toMatch(/openssl rand/);
  });
  it("lets `next build` run without one", () => {
    const env = { NODE_ENV: "production", NEXT_PHASE: "phase-production-build" } as const;
    expect(isProductionRuntime(env)).toBe(false);
    expect(resolveAuthSecret(env)).toHaveLength(44);
  });
});

describe("callbackURL", () => {
  it.each([
    ["/threads/1?x=2", "/threads/1?x=2"],
    [undefined, "/"],
    ["https://evil.example", "/"],
    ["//evil.example/path", "/"],
    ["/\\evil.example", "/"],
    ["javascript:alert(1)", "/"],
  ])("%s → %s", (input, expected) => {
    expect(safeCallbackPath(input)).toBe(expected);
  });
});
