import { describe, expect, it } from "vitest";
import { chunkSizes, chunkText, chunksOf, normalizeText } from "@/lib/projects/chunking";

/** Passages of a text: bounded sizes, true offsets, overlap, every word kept, and linear time on hostile input. */

const sentence = (i: number) => `Sentence number ${i} says something about topic ${i % 13}. `;
const prose = (paragraphs: number, sentences = 6) =>
  Array.from({ length: paragraphs }, (_, p) =>
    Array.from({ length: sentences }, (_, s) => sentence(p * sentences + s)).join(""),
  ).join("\n\n");

describe("chunkText", () => {
  it("keeps a short text whole, numbered from 1, and has nothing for blank text", () => {
    expect(chunkText("  Hello there.  \n")).toEqual([{ seq: 1, start: 2, text: "Hello there." }]);
    expect(chunkText("")).toEqual([]);
    expect(chunkText(" \n\n\t ")).toEqual([]);
  });

  it("splits prose at paragraph breaks near the target size, with offsets into the normalized text", () => {
    const text = prose(40);
    const chunks = chunkText(text);
    expect(chunks.length).toBeGreaterThan(5);
    chunks.forEach((c, i) => {
      expect(c.seq).toBe(i + 1);
      expect(text.slice(c.start, c.start + c.text.length)).toBe(c.text);
      expect(c.text.length).toBeLessThanOrEqual(chunkSizes.max);
      expect(c.text).toBe(c.text.trim());
    });
    // All but the last two (which share what is left) are at least `min` long.
    for (const c of chunks.slice(0, -2))
      expect(c.text.length).toBeGreaterThanOrEqual(chunkSizes.min - chunkSizes.overlap);
    // Paragraph boundaries: every passage but the last ends where a paragraph does.
    for (const c of chunks.slice(0, -1)) expect(text.slice(c.start + c.text.length)).toMatch(/^ *\n\n/);
  });

  it("overlaps neighbours by about 200 characters starting at a word, and loses no word", () => {
    const text = prose(30);
    const chunks = chunkText(text);
    for (let i = 1; i < chunks.length; i++) {
      const previousEnd = chunks[i - 1].start + chunks[i - 1].text.length;
      const overlap = previousEnd - chunks[i].start;
      expect(overlap).toBeGreaterThan(0);
      expect(overlap).toBeLessThanOrEqual(chunkSizes.overlap);
      expect(/\s/.test(text[chunks[i].start - 1])).toBe(true);
    }
    // Every non-space character is in some passage.
    const covered = new Uint8Array(text.length);
    for (const c of chunks) covered.fill(1, c.start, c.start + c.text.length);
    for (let i = 0; i < text.length; i++) if (!/\s/.test(text[i])) expect(covered[i]).toBe(1);
  });

  it("falls back to lines, sentences, spaces, and a hard cut that never splits a surrogate pair", () => {
    const lines = Array.from({ length: 200 }, (_, i) => `line ${i} of a file with no paragraphs`).join("\n");
    for (const c of chunkText(lines).slice(0, -1)) expect(lines[c.start + c.text.length]).toBe("\n");
    const sentences = Array.from({ length: 100 }, (_, i) => sentence(i)).join("");
    for (const c of chunkText(sentences).slice(0, -1)) expect(c.text.endsWith(".")).toBe(true);
    const emoji = "😀".repeat(3000);
    const cut = chunkText(emoji);
    for (const c of cut) {
      expect(c.text.length).toBeLessThanOrEqual(chunkSizes.max);
      expect(c.text).toBe([...c.text].join(""));
      expect(c.text.charCodeAt(0)).toBe(0xd83d);
      expect(c.text.charCodeAt(c.text.length - 1)).toBe(0xde00);
    }
  });

  it("normalizes line endings and drops NUL characters", () => {
    expect(normalizeText("a\r\nb\rc\u0000d")).toBe("a\nb\ncd");
    expect(chunkText("One.\r\n\r\nTwo.")).toEqual([{ seq: 1, start: 0, text: "One.\n\nTwo." }]);
  });

  it("the last two passages share what is left: no stub at the end", () => {
    const text = prose(1, 60).slice(0, chunkSizes.max + 100);
    expect(text).toHaveLength(chunkSizes.max + 100);
    const chunks = chunkText(text);
    expect(chunks).toHaveLength(2);
    for (const c of chunks) expect(c.text.length).toBeGreaterThan(chunkSizes.min);
  });

  it("is linear: 10 MB of prose and of hostile shapes each take well under seconds", () => {
    const shapes = {
      prose: prose(8000, 20).slice(0, 10_000_000),
      "one word": "x".repeat(10_000_000),
      spaces: " ".repeat(10_000_000) + "end",
      "short lines": "a\n".repeat(5_000_000),
      "dots without spaces": ".".repeat(10_000_000),
    };
    const timings: Record<string, number> = {};
    for (const [name, text] of Object.entries(shapes)) {
      const started = performance.now();
      let count = 0;
      for (const chunk of chunksOf(text)) count += chunk.text.length > 0 ? 1 : 0;
      timings[name] = Math.round(performance.now() - started);
      expect(count, name).toBeGreaterThan(0);
    }
    console.log(`chunking 10 MB (ms): ${JSON.stringify(timings)}`);
    for (const ms of Object.values(timings)) expect(ms).toBeLessThan(5000);
  });
});
