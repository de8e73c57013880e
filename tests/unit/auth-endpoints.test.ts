import { describe, expect, it } from "vitest";
import { allowedAuthEndpoint, authEndpoints } from "@/lib/auth/endpoints";

describe("the /api/auth allow-list", () => {
  it("gives every entry a reason and names each method and path once", () => {
    for (const e of authEndpoints) expect(e.why.length, e.path).toBeGreaterThan(10);
    const keys = authEndpoints.map((e) => `${e.method} ${e.path}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("matches exactly: method, case, trailing slash, encoded characters and extra segments all count", () => {
    expect(allowedAuthEndpoint("POST", "/sign-in/email")?.path).toBe("/sign-in/email");
    for (const [method, path] of [
      ["GET", "/sign-in/email"],
      ["HEAD", "/get-session"],
      ["POST", "/get-session"],
      ["POST", "/Sign-In/Email"],
      ["POST", "/sign-in/email/"],
      ["POST", "//sign-in/email"],
      ["POST", "/sign%2Din/email"],
      ["POST", "/sign-in%2Femail"],
      ["POST", "/sign-in/email/x"],
      ["POST", "/x/sign-in/email"],
      ["POST", ""],
      ["POST", "/"],
    ]) {
      expect(allowedAuthEndpoint(method, path), `${method} ${path}`).toBeUndefined();
    }
  });

  it("lets a :param be one plain segment only", () => {
    expect(allowedAuthEndpoint("GET", "/callback/oidc")?.path).toBe("/callback/:id");
    expect(allowedAuthEndpoint("GET", "/reset-password/AbC123_-xyz")?.path).toBe("/reset-password/:token");
    for (const path of [
      "/callback/",
      "/callback/a/b",
      "/callback/a%2Fb",
      "/callback/..",
      "/reset-password/a.b",
      "/reset-password/%41",
    ]) {
      expect(allowedAuthEndpoint("GET", path), path).toBeUndefined();
    }
    expect(allowedAuthEndpoint("POST", "/callback/oidc")).toBeUndefined();
  });
});
