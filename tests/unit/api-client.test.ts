import { afterEach, expect, it, vi } from "vitest";
import { api, ApiClientError } from "@/lib/client/api-client";

afterEach(() => vi.unstubAllGlobals());

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  vi.stubGlobal(
    "fetch",
    vi.fn(async () => Response.json(body, { status, headers })),
  );

async function refusal(): Promise<ApiClientError> {
  const thrown = await api.createThread().then(
    () => null,
    (error: unknown) => error,
  );
  expect(thrown).toBeInstanceOf(ApiClientError);
  return thrown as ApiClientError;
}

it("shows the server's message for a refusal, and keeps its code and request id", async () => {
  answer(429, { error: { code: "rate_limited", message: "Too many requests.", requestId: "req-1" } });
  const error = await refusal();
  expect(error).toMatchObject({ message: "Too many requests.", status: 429, code: "rate_limited", requestId: "req-1" });
});

it("names the request id in the message of a server fault, so it can be quoted in a report", async () => {
  answer(503, {
    error: { code: "database_unavailable", message: "The database is not answering.", requestId: "req-2" },
  });
  expect((await refusal()).message).toBe("The database is not answering. (Reference: req-2)");
});

it("falls back to the response header and a generic message when the body is not the API's", async () => {
  vi.stubGlobal(
    "fetch",
    vi.fn(
      async () => new Response("<html>Bad gateway</html>", { status: 502, headers: { "x-request-id": "proxy-3" } }),
    ),
  );
  expect(await refusal()).toMatchObject({
    message: "Request failed (502). (Reference: proxy-3)",
    code: "unknown",
    requestId: "proxy-3",
  });
});
