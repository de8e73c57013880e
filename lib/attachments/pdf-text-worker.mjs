// The worker thread that reads one PDF's text (started by lib/attachments/pdf-text.ts). Plain JavaScript
// outside the bundles, so `next start` and the standalone folder run the same file.
import { parentPort, workerData } from "node:worker_threads";
import { getDocumentProxy } from "unpdf";

/**
 * Reads at most `maxPages` pages and stops as soon as `maxChars` characters are in hand, mid-page
 * too (the page's text stream is cancelled), so a huge page never builds a huge string.
 */
async function readText(bytes, maxPages, maxChars) {
  const document = await getDocumentProxy(bytes, { verbosity: 0, isEvalSupported: false });
  try {
    const totalPages = document.numPages;
    const texts = [];
    let chars = 0;
    let truncated = totalPages > maxPages ? "pages" : null;
    let pagesRead = 0;
    for (let number = 1; number <= Math.min(totalPages, maxPages); number++) {
      const page = await document.getPage(number);
      const reader = page.streamTextContent().getReader();
      let text = "";
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        for (const item of value.items) if (item.str != null) text += item.str + (item.hasEOL ? "\n" : "");
        if (chars + text.length >= maxChars) {
          // pdf.js asserts that a cancel has a reason.
          await reader.cancel(new Error("character limit reached"));
          break;
        }
      }
      pagesRead = number;
      texts.push(text);
      chars += text.length;
      if (chars >= maxChars) {
        truncated = "chars";
        break;
      }
    }
    // As unpdf's extractText({ mergePages: true }): whitespace collapsed, line structure kept.
    const merged = texts
      .join("\n")
      .replace(/[^\S\n]+/g, " ")
      .replace(/ ?\n ?/g, "\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim();
    return { kind: "text", text: merged.slice(0, maxChars), pagesRead, totalPages, truncated };
  } finally {
    await document.loadingTask.destroy();
  }
}

let result;
try {
  result = await readText(workerData.bytes, workerData.maxPages, workerData.maxChars);
} catch {
  result = { kind: "unreadable" };
}
parentPort.postMessage(result);
