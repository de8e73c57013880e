import { ApiError } from "./api-error";
import { limits } from "./limits";

const tooLarge = () => new ApiError("payload_too_large", `The body is larger than ${limits.maxBodyBytes} bytes.`);

/** A request body's bytes, refused with 413 past `MAX_REQUEST_BYTES` (declared or streamed) without reading the rest. */
export async function readLimitedBody(request: Request): Promise<Uint8Array<ArrayBuffer>> {
  if (Number(request.headers.get("content-length") ?? 0) > limits.maxBodyBytes) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limits.maxBodyBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
