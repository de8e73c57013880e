import { ApiError } from "@/lib/http/errors";
import { limits } from "@/lib/http/limits";

/** A request body's bytes, refused with 413 past `maxBytes` (declared or streamed) without reading the rest. */
export async function readLimitedBody(
  request: Request,
  maxBytes = limits.maxBodyBytes,
): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () => new ApiError("payload_too_large", `The body is larger than ${maxBytes} bytes.`);
  if (Number(request.headers.get("content-length") ?? 0) > maxBytes) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
