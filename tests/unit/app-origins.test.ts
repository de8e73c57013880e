import { describe, expect, it } from "vitest";
import { appOrigins } from "@/lib/http/app-origins";
import { assertSameOrigin } from "@/lib/http/route";

// Next.js builds request.url from its listen address: in a container, 0.0.0.0.
const post = (headers: Record<string, string>) =>
  new Request("http://0.0.0.0:3000/api/threads", { method: "POST", headers });

describe("the origins a request to this app may come from", () => {
  it("without BETTER_AUTH_URL: the host the browser asked for, so a container opened at any address works", () => {
    expect(appOrigins(post({ host: "localhost:3000" }), {})).toEqual(["http://0.0.0.0:3000", "http://localhost:3000"]);
    expect(() => assertSameOrigin(post({ host: "192.0.2.7:3000", origin: "http://192.0.2.7:3000" }), {})).not.toThrow();
  });

  it("a cross-site page never matches, whatever the host", () => {
    const request = post({ host: "localhost:3000", origin: "https://evil.example" });
    expect(() => assertSameOrigin(request, {})).toThrow("Cross-site requests are not allowed.");
    const flagged = post({ host: "localhost:3000", origin: "http://localhost:3000", "sec-fetch-site": "cross-site" });
    expect(() => assertSameOrigin(flagged, {})).toThrow();
  });

  it("a malformed Host adds nothing", () => {
    expect(appOrigins(post({ host: "evil.example/path@x" }), {})).toEqual(["http://0.0.0.0:3000"]);
  });

  it("with BETTER_AUTH_URL: its origin, never the Host header", () => {
    const env = { BETTER_AUTH_URL: "https://chat.example.com" };
    expect(appOrigins(post({ host: "attacker.example" }), env)).toEqual([
      "http://0.0.0.0:3000",
      "https://chat.example.com",
    ]);
    const rebound = post({ host: "attacker.example", origin: "http://attacker.example" });
    expect(() => assertSameOrigin(rebound, env)).toThrow();
  });
});
