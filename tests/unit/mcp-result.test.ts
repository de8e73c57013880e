import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cutUtf8, fitResult, flattenResult } from "@/lib/tools/mcp-connection";

describe("tool results as text", () => {
  it("joins text parts and names what it leaves out", () => {
    const text = flattenResult({
      content: [
        { type: "text", text: "one" },
        { type: "image", data: "AAAA", mimeType: "image/png" },
        { type: "audio", data: "AAAA", mimeType: "audio/wav" },
        { type: "resource", resource: { uri: "file:///x", text: "inside" } },
        { type: "resource_link", uri: "https://x.example/", name: "x" },
        { type: "text", text: "two" },
      ],
    });
    expect(text).toBe(
      "one\n\n[image omitted]\n\n[audio omitted]\n\n[resource omitted]\n\n[resource link omitted]\n\ntwo",
    );
  });

  it("cuts by UTF-8 bytes, never inside a character, and says how much was shown", () => {
    expect(cutUtf8("héllo", 2)).toBe("h");
    expect(cutUtf8("héllo", 3)).toBe("hé");
    expect(cutUtf8("🙂🙂", 5)).toBe("🙂");
    expect(fitResult("short", 100)).toEqual({ text: "short", resultBytes: 5, cut: false });
    const fitted = fitResult("é".repeat(1000), 200);
    expect(fitted.cut).toBe(true);
    expect(fitted.resultBytes).toBe(2000);
    expect(Buffer.byteLength(fitted.text)).toBeLessThanOrEqual(200);
    expect(fitted.text).toMatch(/^é+\n\n\[Result cut: (\d+) of 2000 bytes shown\]$/);
  });

  it("never exceeds the limit and always keeps a prefix of whole characters", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), fc.integer({ min: 60, max: 600 }), (text, max) => {
        const fitted = fitResult(text, max);
        expect(Buffer.byteLength(fitted.text)).toBeLessThanOrEqual(Math.max(max, Buffer.byteLength(text)));
        if (!fitted.cut) {
          expect(fitted.text).toBe(text);
          return;
        }
        expect(Buffer.byteLength(fitted.text)).toBeLessThanOrEqual(max);
        const shown = fitted.text.replace(/\n\n\[Result cut: \d+ of \d+ bytes shown\]$/, "");
        expect(text.startsWith(shown)).toBe(true);
        expect(shown).not.toMatch(/[\uD800-\uDBFF]$/);
      }),
    );
  });
});
