import { describe, expect, it, vi } from "vitest";

/** Two copies of lib/http/errors.ts, as Next.js makes when instrumentation.ts and a route each bundle it. */
async function twoCopies() {
  vi.resetModules();
  const first = await import("@/lib/http/errors");
  vi.resetModules();
  const second = await import("@/lib/http/errors");
  expect(first.ApiError).not.toBe(second.ApiError);
  return [first, second] as const;
}

describe("ApiError across copies of its module", () => {
  it("is recognised by another copy, so it answers its own status, never a 500", async () => {
    const [first, second] = await twoCopies();
    const error = new first.ApiError("pdf_too_complex", "This PDF is too complex to read.");
    expect(error instanceof second.ApiError).toBe(true);
    const response = second.toErrorResponse(error);
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({
      error: { code: "pdf_too_complex", message: "This PDF is too complex to read." },
    });
  });

  it("leaves other errors and subclasses as they were", async () => {
    const [first, second] = await twoCopies();
    class Narrower extends second.ApiError {}
    expect(new Error("plain") instanceof second.ApiError).toBe(false);
    expect({ name: "ApiError", code: "not_found" } instanceof second.ApiError).toBe(false);
    expect((null as unknown) instanceof second.ApiError).toBe(false);
    // A subclass is checked by its prototype: a plain ApiError is not one.
    expect(new second.ApiError("bad_request", "x") instanceof Narrower).toBe(false);
    expect(new Narrower("bad_request", "x") instanceof Narrower).toBe(true);
    expect(new Narrower("bad_request", "x") instanceof first.ApiError).toBe(true);
  });
});
