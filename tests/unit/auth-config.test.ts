import { describe, expect, it } from "vitest";
import { enabledSocialProviders } from "@/lib/social-providers";
import { isProductionRuntime, missingSecretMessage, resolveAuthSecret } from "@/lib/auth-secret";
import { safeCallbackPath } from "@/lib/safe-redirect";

describe("social providers", () => {
  it("are offered only when both id and secret are set", () => {
    expect(enabledSocialProviders({})).toEqual([]);
    expect(enabledSocialProviders({ GITHUB_CLIENT_ID: "id" })).toEqual([]);
    expect(enabledSocialProviders({ GITHUB_CLIENT_ID: "id", GITHUB_CLIENT_SECRET: "s" })).toEqual(["github"]);
    expect(
      enabledSocialProviders({ GITHUB_CLIENT_ID: "a", GITHUB_CLIENT_SECRET: "b", GOOGLE_CLIENT_ID: "c", GOOGLE_CLIENT_SECRET: "d" }),
    ).toEqual(["github", "google"]);
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
