import { describe, expect, it } from "vitest";
import { cleanFileName, detectAttachmentType } from "@/lib/attachments/types";
import { makePdf, makePng } from "../support/files";

const bytes = (...values: (number | string)[]) =>
  Buffer.concat(values.map((v) => (typeof v === "string" ? Buffer.from(v, "latin1") : Buffer.from([v]))));

describe("what a file is, from its bytes", () => {
  it.each([
    ["a PNG", makePng(), "image/png"],
    ["a JPEG", bytes(0xff, 0xd8, 0xff, 0xe0, "JFIF"), "image/jpeg"],
    ["a GIF89a", bytes("GIF89a", 1, 0), "image/gif"],
    ["a GIF87a", bytes("GIF87a", 1, 0), "image/gif"],
    ["a WebP", bytes("RIFF", 0, 0, 0, 0, "WEBPVP8 "), "image/webp"],
    ["a PDF", makePdf("x"), "application/pdf"],
    ["Markdown", Buffer.from("# Title\n\n- item"), "text/plain"],
    ["CSV with UTF-8", Buffer.from("name,city\nZoë,Zürich\n"), "text/plain"],
    ["SVG (text, never an image here)", Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), "text/plain"],
  ])("%s is %s", (_, content, mediaType) => {
    expect(detectAttachmentType(content)?.mediaType).toBe(mediaType);
  });

  it.each([
    ["invalid UTF-8", bytes("abc", 0xc3, 0x28)],
    ["text with a NUL", Buffer.from("abc\u0000def")],
    ["a ZIP", bytes("PK", 3, 4, 0, 0)],
    ["a RIFF that is not WebP", bytes("RIFF", 0, 0, 0, 0, "WAVE")],
    ["a truncated PNG signature", bytes(0x89, "PNG")],
  ])("%s is refused", (_, content) => {
    expect(detectAttachmentType(content)).toBeUndefined();
  });
});

describe("a stored file name", () => {
  it.each([
    ["report.pdf", "report.pdf"],
    ["../../etc/passwd", "passwd"],
    ["C:\\Users\\me\\secret.txt", "secret.txt"],
    ["evil\u202Egnp.exe", "evilgnp.exe"],
    ["tab\tand\nnewline.txt", "tabandnewline.txt"],
    ["..", "file"],
    ["", "file"],
    ["   ", "file"],
    ["x".repeat(300), "x".repeat(200)],
  ])("%j is stored as %j", (given, kept) => {
    expect(cleanFileName(given)).toBe(kept);
  });
});
