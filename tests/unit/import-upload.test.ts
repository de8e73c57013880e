import { mkdtemp, open, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "@/lib/http/errors";
import { receiveMultipartFile } from "@/lib/import/upload";

const boundary = "----upload-boundary-7d";
const body = (content: Buffer, extra = "") =>
  Buffer.concat([
    Buffer.from(
      `preamble\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="c.json"\r\nContent-Type: application/json\r\n\r\n`,
    ),
    content,
    Buffer.from(`\r\n--${boundary}${extra}--\r\n`),
  ]);

/** A request whose body arrives in pieces of `size` bytes, as a slow network hands it over. */
function request(bytes: Buffer, size: number, type = `multipart/form-data; boundary=${boundary}`) {
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(new Uint8Array(bytes.subarray(at, (at += size))));
    },
  });
  return new Request("http://localhost/api/account/import", {
    method: "POST",
    body: stream,
    headers: { "content-type": type },
    duplex: "half",
  } as RequestInit);
}

describe("the import's multipart upload", () => {
  let dir: string;
  let n = 0;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "import-upload-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const receive = async (req: Request, max = 1_000_000, idleMs?: number) => {
    const file = path.join(dir, `f${n++}`);
    const handle = await open(file, "wx");
    try {
      const size = await receiveMultipartFile(req, handle, max, idleMs);
      return { size, bytes: await readFile(file) };
    } finally {
      await handle.close();
    }
  };
  const refusal = async (req: Request, max?: number, idleMs?: number) => {
    const error = await receive(req, max, idleMs).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ApiError);
    return (error as ApiError).code;
  };

  it("writes exactly the file's bytes, whatever pieces the body arrives in, boundary look-alikes included", async () => {
    const content = Buffer.from(`[{"a": "\r\n--${boundary.slice(0, -1)}x"}, "\r\n-", "--"]\r\n\r\n`.repeat(50));
    for (const size of [1, 2, 3, 7, 64, 1000, 1_000_000]) {
      const { size: written, bytes } = await receive(request(body(content), size));
      expect(written).toBe(content.length);
      expect(bytes.equals(content)).toBe(true);
    }
  });

  it("refuses a file over the limit, a second part, another field and a body cut short", async () => {
    expect(await refusal(request(body(Buffer.alloc(2_000, 32)), 100), 1_000)).toBe("payload_too_large");
    const second = `\r\nContent-Disposition: form-data; name="file"; filename="b"\r\n\r\nx\r\n--${boundary}`;
    expect(await refusal(request(body(Buffer.from("[]"), second), 5))).toBe("bad_request");
    const other = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="upload"; filename="c.json"\r\n\r\n[]\r\n--${boundary}--\r\n`,
    );
    expect(await refusal(request(other, 10))).toBe("bad_request");
    expect(await refusal(request(body(Buffer.from("[]")).subarray(0, -8), 10))).toBe("bad_request");
    expect(await refusal(request(body(Buffer.from("[]")), 10, "application/json"))).toBe("unsupported_media_type");
  });

  it("gives up on an upload that stops sending (a slow loris), with 408, and stops reading it", async () => {
    let cancelled = false;
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        // The part's headers and the start of the file, then nothing, ever.
        controller.enqueue(new Uint8Array(body(Buffer.from("[{")).subarray(0, -20)));
      },
      cancel() {
        cancelled = true;
      },
    });
    const req = new Request("http://localhost/api/account/import", {
      method: "POST",
      body: stalled,
      headers: { "content-type": `multipart/form-data; boundary=${boundary}` },
      duplex: "half",
    } as RequestInit);
    expect(await refusal(req, undefined, 20)).toBe("request_timeout");
    expect(new ApiError("request_timeout", "x").status).toBe(408);
    expect(cancelled).toBe(true);
  });
});
