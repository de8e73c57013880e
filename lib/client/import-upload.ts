/**
 * Sends an export to POST /api/account/import and reports as it goes: the upload's progress, then
 * the server's progress lines (application/x-ndjson, one JSON object per line: "started",
 * "progress", then "done" or "error"). XMLHttpRequest rather than fetch: fetch reports no upload
 * progress.
 */
export type ImportProgress =
  | { stage: "uploading"; percent: number }
  | { stage: "checking" }
  | { stage: "importing"; imported: number; total: number };

export type ImportOutcome = { ok: true; imported: number; empty: number } | { ok: false; message: string };

type Line =
  | { type: "started"; total: number; empty: number }
  | { type: "progress"; imported: number; total: number }
  | { type: "done"; imported: number; empty: number }
  | { type: "error"; error: { message?: string; requestId?: string } };

const failed = "The import failed on the server; nothing was imported. Try again.";

export function uploadExport(file: File, onProgress: (progress: ImportProgress) => void): Promise<ImportOutcome> {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    let read = 0;
    let outcome: ImportOutcome | null = null;
    const readLines = () => {
      const text = xhr.responseText;
      for (let end = text.indexOf("\n", read); end >= 0; end = text.indexOf("\n", read)) {
        const line = JSON.parse(text.slice(read, end)) as Line;
        read = end + 1;
        if (line.type === "started") onProgress({ stage: "importing", imported: 0, total: line.total });
        else if (line.type === "progress")
          onProgress({ stage: "importing", imported: line.imported, total: line.total });
        else if (line.type === "done") outcome = { ok: true, imported: line.imported, empty: line.empty };
        else if (line.type === "error") {
          const reference = line.error.requestId ? ` (Reference: ${line.error.requestId})` : "";
          outcome = { ok: false, message: `${line.error.message ?? failed}${reference}` };
        }
      }
    };
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable)
        onProgress({ stage: "uploading", percent: Math.floor((event.loaded / event.total) * 100) });
    };
    xhr.upload.onload = () => onProgress({ stage: "checking" });
    xhr.onprogress = () => {
      if (xhr.status === 200) readLines();
    };
    xhr.onload = () => {
      if (xhr.status !== 200) {
        let message = `The import was refused (${xhr.status}).`;
        try {
          const body = JSON.parse(xhr.responseText) as { error?: { message?: string } };
          message = body.error?.message ?? message;
        } catch {}
        return resolve({ ok: false, message });
      }
      try {
        readLines();
      } catch {}
      resolve(outcome ?? { ok: false, message: failed });
    };
    xhr.onerror = () => resolve({ ok: false, message: "The upload failed: check your connection and try again." });
    xhr.open("POST", "/api/account/import");
    const form = new FormData();
    form.append("file", file);
    xhr.send(form);
  });
}
