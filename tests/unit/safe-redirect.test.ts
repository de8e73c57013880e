import { describe, expect, it } from "vitest";
import { safeCallbackPath, signInPathFor } from "@/lib/auth/safe-redirect";

// Each value as it reaches the helper: already decoded once by the router (searchParams), or raw from a body.
const refused: [string, string][] = [
  ["tab after the first slash (browsers drop it: //example.com)", "/\t/example.com"],
  ["tab still percent-encoded", "/%09/example.com"],
  ["newline", "/\n/x"],
  ["newline percent-encoded", "/%0a/x"],
  ["carriage return", "/\r/example.com"],
  ["NUL", "/\u0000/x"],
  ["other C0 control", "/\u001b[31m"],
  ["DEL", "/\u007f/example.com"],
  ["DEL percent-encoded", "/%7f/example.com"],
  ["C1 control (NEL)", "/\u0085/example.com"],
  ["control deep in the query", "/chat?x=%0d%0aSet-Cookie:a=b"],
  ["backslash", "\\example.com"],
  ["slash backslash", "/\\example.com"],
  ["backslash percent-encoded", "/%5Cexample.com"],
  ["backslash later in the path", "/a\\..\\..\\/example.com"],
  ["scheme-relative", "//example.com"],
  ["scheme-relative with path", "//example.com/path"],
  ["three slashes", "///example.com"],
  ["encoded slash after a slash", "/%2F/example.com"],
  ["encoded slash after a slash, lower case", "/%2fexample.com"],
  ["encoded slashes only", "%2F%2Fexample.com"],
  ["double-encoded slash", "/%252F/example.com"],
  ["dot segment that leaves //", "/.//example.com"],
  ["dot-dot segment that leaves //", "/a/..//example.com"],
  ["absolute https", "https://evil.example"],
  ["absolute http to this host name", "http://localhost:3000/"],
  ["https:host without slashes", "https:evil.com"],
  ["https:/ with one slash", "https:/evil.com"],
  ["javascript:", "javascript:alert(1)"],
  ["javascript: after whitespace", " javascript:alert(1)"],
  ["data:", "data:text/html,<script>alert(1)</script>"],
  ["leading space", " /chat"],
  ["relative path", "chat/1"],
  ["empty", ""],
  ["fullwidth solidus", "／／example.com"],
  ["very long", `/${"a".repeat(5000)}`],
];

describe("safeCallbackPath refuses, falling back to /", () => {
  it.each(refused)("%s", (_label, input) => {
    expect(safeCallbackPath(input)).toBe("/");
  });
  it("refuses what is not a string at all", () => {
    expect(safeCallbackPath(undefined)).toBe("/");
    expect(safeCallbackPath(null)).toBe("/");
  });
});

describe("safeCallbackPath keeps paths on this app", () => {
  it.each([
    ["/", "/"],
    ["/chat/1", "/chat/1"],
    ["/threads/1?x=2", "/threads/1?x=2"],
    ["/account#sessions", "/account#sessions"],
    ["/search?q=100%25", "/search?q=100%25"],
    // A slash that is data in the query is no path separator.
    ["/chat?from=%2Fadmin", "/chat?from=%2Fadmin"],
    ["/a/../b", "/b"],
    ["/https:evil.com", "/https:evil.com"],
    // Unicode comes back percent-encoded: safe in a Location header.
    ["/chat/ünï", "/chat/%C3%BCn%C3%AF"],
    ["/chat/😀", "/chat/%F0%9F%98%80"],
  ])("%s → %s", (input, expected) => {
    expect(safeCallbackPath(input)).toBe(expected);
  });

  it("returns only characters a Location header may carry, whatever it is given", () => {
    for (const input of [...refused.map(([, v]) => v), "/chat/ünï", "/x?\u2028", "/\ud800"]) {
      expect(safeCallbackPath(input)).toMatch(/^\/[\x21-\x7e]*$|^\/$/);
    }
  });
});

describe("signInPathFor", () => {
  it("names the page to return to, readable, and drops a hostile one", () => {
    expect(signInPathFor("/")).toBe("/sign-in");
    expect(signInPathFor("/chat/abc")).toBe("/sign-in?callbackURL=/chat/abc");
    expect(signInPathFor("/account-settings-later?tab=1")).toBe(
      "/sign-in?callbackURL=/account-settings-later%3Ftab%3D1",
    );
    expect(signInPathFor("//example.com")).toBe("/sign-in");
    expect(signInPathFor("/\t/example.com")).toBe("/sign-in");
  });
});
