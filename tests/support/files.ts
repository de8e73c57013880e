import { createHash } from "node:crypto";
import { deflateSync } from "node:zlib";

/** Small real files for attachment tests, made here so no binary fixture lives in the tree. */

export const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A one-page PDF whose only content is `text` (Helvetica), with a correct cross-reference table. */
export function makePdf(text: string): Buffer {
  const escaped = text.replace(/[\\()]/g, (c) => `\\${c}`);
  return makePdfWithContent(Buffer.from(`BT /F1 18 Tf 72 720 Td (${escaped}) Tj ET`, "latin1"));
}

/**
 * A PDF of `pages` pages that all draw the one content stream `content` (Helvetica as /F1), which
 * is stored Flate-compressed when `compress` is set: the shapes of hostile PDFs, where a small
 * file makes the reader do a great deal.
 */
export function makePdfWithContent(
  content: Buffer,
  { pages = 1, compress = false }: { pages?: number; compress?: boolean } = {},
): Buffer {
  const stream = compress ? deflateSync(content, { level: 9 }) : content;
  const kids = Array.from({ length: pages }, (_, i) => `${i + 5} 0 R`).join(" ");
  const head = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    `<< /Type /Pages /Kids [${kids}] /Count ${pages} >>`,
    `<< /Length ${stream.length}${compress ? " /Filter /FlateDecode" : ""} >>\nstream\n`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  const page =
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R /Resources << /Font << /F1 4 0 R >> >> >>";
  const parts: Buffer[] = [];
  const offsets: number[] = [];
  let length = 0;
  const push = (chunk: Buffer | string) => {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk, "latin1") : chunk;
    parts.push(bytes);
    length += bytes.length;
  };
  push("%PDF-1.4\n");
  head.forEach((object, i) => {
    offsets.push(length);
    push(`${i + 1} 0 obj\n${object}`);
    if (i === 2) push(Buffer.concat([stream, Buffer.from("\nendstream", "latin1")]));
    push("\nendobj\n");
  });
  for (let i = 0; i < pages; i++) {
    offsets.push(length);
    push(`${i + 5} 0 obj\n${page}\nendobj\n`);
  }
  const xref = length;
  const count = offsets.length + 1;
  push(
    `xref\n0 ${count}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`,
  );
  push(`trailer\n<< /Size ${count} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  return Buffer.concat(parts);
}

/** `line` (a content stream operator sequence) repeated until the stream is `bytes` long. */
export const repeatedContent = (line: string, bytes: number) =>
  Buffer.from(line.repeat(Math.ceil(bytes / line.length)), "latin1");

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (bytes: Buffer) => {
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type: string, data: Buffer) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, "latin1"), data])));
  return Buffer.concat([length, Buffer.from(type, "latin1"), data, crc]);
};

/** A valid `width`×`height` RGB PNG of one colour; `seed` varies the colour so each test's bytes differ. */
export function makePng(width = 8, height = 8, seed = 0): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, seed % 256)]);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

// Text operators repeated: each draws 20 characters, and deflate shrinks the stream about 340 times.
const textOperators = "BT /F1 12 Tf 72 720 Td (All work and no play) Tj ET\n";

/** Compression bombs as PDFs: a small file whose content stream inflates to `megabytes` of operators. */
export const pdfBombs = {
  /** Text operators, 3.8 M characters of text per 10 MB; at 15.5 MB this is the 46 KB file that once stalled the server for seconds. */
  text: (megabytes = 15.5) => makePdfWithContent(repeatedContent(textOperators, megabytes * 1e6), { compress: true }),
  /** `q Q` (save and restore, no text at all): 200 MB in a 200 KB file, where only the inflated buffers grow. */
  buffers: (megabytes = 200) => makePdfWithContent(repeatedContent("q Q\n", megabytes * 1e6), { compress: true }),
};
