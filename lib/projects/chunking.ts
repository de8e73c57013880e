/**
 * A file's text split into passages ("chunks"): what retrieval ranks, the model reads and a
 * reply's source opens. Pure and linear in the text's length: every step scans at most a window of
 * `max − min` characters around the target and moves on by at least `min − overlap`, with plain
 * character tests (no regular expression that could backtrack on hostile input).
 *
 * The choices, and why:
 * - Target ~1,200 characters (about 250–300 English tokens): five passages per turn are then about
 *   1,500 tokens of context, cheap for any model; a passage holds a paragraph or two, enough to
 *   answer from, and short enough that full-text rank (ts_rank_cd, density of the matched words)
 *   and an embedding both describe one topic rather than a page's worth.
 * - At least 600 and at most 1,600: a boundary is looked for nearest the target within that
 *   window, a paragraph break first, then a line break, then a sentence's end, then any space;
 *   only text with no space for 1,000 characters is cut hard (never inside a surrogate pair).
 * - 200 characters of overlap (a sentence or two, started at a word): a fact that straddles a
 *   boundary is whole in one of the two passages.
 * - The last two passages share what is left evenly, so no file ends with a stub passage that is
 *   mostly the previous one's overlap.
 * - `start` is where the passage starts in the text (UTF-16 code units, as JavaScript counts),
 *   after line endings are made "\n" and NUL characters (which PostgreSQL text cannot hold) dropped.
 * Measured (tests/unit/chunking.test.ts): 10 MB of prose in well under a second on this machine.
 */

export const chunkSizes = { target: 1200, min: 600, max: 1600, overlap: 200 } as const;

export type Chunk = { seq: number; start: number; text: string };

/** Line endings as "\n", without NUL characters: the text `start` offsets refer to. */
export function normalizeText(text: string): string {
  // Both patterns are single characters or a fixed pair: linear, nothing to backtrack.
  return text.replace(/\r\n?/g, "\n").replace(/\u0000/g, "");
}

const isSpace = (code: number) =>
  code === 0x20 || code === 0x0a || code === 0x09 || code === 0x0d || code === 0x0c || code === 0xa0 || code === 0x3000;

/**
 * How good a place to end a passage right before `at` is (the next one's text starts there):
 * 0 a paragraph break, 1 a line break, 2 a sentence's end, 3 a space; 4: none.
 */
function boundaryAt(text: string, at: number): number {
  const before = text.charCodeAt(at - 1);
  // 。！？ end a sentence with no space after them.
  if (before === 0x3002 || before === 0xff01 || before === 0xff1f) return 2;
  if (!isSpace(before)) return 4;
  if (before === 0x0a) return text.charCodeAt(at - 2) === 0x0a ? 0 : 1;
  const end = text.charCodeAt(at - 2);
  return end === 0x2e || end === 0x21 || end === 0x3f ? 2 : 3;
}

/**
 * The best boundary within [lo, hi], nearest `target` among the best kind, or -1: one pass
 * outwards from the target, at most hi − lo + 1 positions, each a character or two.
 */
function bestBoundary(text: string, lo: number, hi: number, target: number): number {
  const found = [-1, -1, -1, -1];
  const consider = (at: number) => {
    const kind = boundaryAt(text, at);
    if (kind < 4 && found[kind] === -1) found[kind] = at;
  };
  for (let d = 0; found[0] === -1 && (target - d >= lo || target + d <= hi); d++) {
    if (target - d >= lo) consider(target - d);
    if (d > 0 && target + d <= hi) consider(target + d);
  }
  return found.find((at) => at !== -1) ?? -1;
}

const skipSpaces = (text: string, at: number, end: number) => {
  while (at < end && isSpace(text.charCodeAt(at))) at++;
  return at;
};

const trimEnd = (text: string, start: number, end: number) => {
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return end;
};

/**
 * The passages of an already normalized text (normalizeText), lazily: a caller that must not hold
 * the event loop takes a batch and yields between batches (lib/projects/indexer.ts).
 */
export function* chunksOf(text: string, sizes: typeof chunkSizes = chunkSizes): Generator<Chunk> {
  const n = text.length;
  let seq = 1;
  let pos = skipSpaces(text, 0, n);
  while (pos < n) {
    if (n - pos <= sizes.max) {
      const end = trimEnd(text, pos, n);
      if (end > pos) yield { seq: seq++, start: pos, text: text.slice(pos, end) };
      return;
    }
    // What is left fits in two passages: share it evenly between them.
    const target = n - pos < sizes.max + sizes.target ? pos + Math.floor((n - pos) / 2) : pos + sizes.target;
    const lo = pos + sizes.min;
    const hi = pos + sizes.max;
    let cut = bestBoundary(text, lo, hi, Math.max(lo, Math.min(target, hi)));
    if (cut === -1) {
      cut = hi;
      // Never between the two halves of a surrogate pair.
      const code = text.charCodeAt(cut - 1);
      if (code >= 0xd800 && code <= 0xdbff) cut--;
    }
    const end = trimEnd(text, pos, cut);
    if (end > pos) yield { seq: seq++, start: pos, text: text.slice(pos, end) };
    // The next passage repeats the last `overlap` characters, from the start of a word.
    let next = cut - sizes.overlap;
    if (next <= pos) next = cut;
    else {
      while (next < cut && !isSpace(text.charCodeAt(next - 1))) next++;
      const low = text.charCodeAt(next);
      if (low >= 0xdc00 && low <= 0xdfff) next++;
    }
    next = skipSpaces(text, next, n);
    pos = next > pos ? next : cut;
  }
}

/** All passages of a text (normalized here), numbered from 1 (as people count them: "passage 1"). */
export function chunkText(text: string): Chunk[] {
  return [...chunksOf(normalizeText(text))];
}
