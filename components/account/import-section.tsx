"use client";

import Link from "next/link";
import { useId, useState, type FormEvent } from "react";
import { Section, button, input } from "@/components/account/section";
import { ActionMessage } from "@/lib/client/use-action";
import { useHydrated } from "@/lib/client/use-hydrated";
import { uploadExport, type ImportProgress } from "@/lib/client/import-upload";

const progressText = (progress: ImportProgress) =>
  progress.stage === "uploading"
    ? `Uploading… ${progress.percent}%`
    : progress.stage === "checking"
      ? "Checking the file…"
      : `Imported ${progress.imported.toLocaleString("en")} of ${progress.total.toLocaleString("en")} conversations…`;

const plural = (n: number, one: string) => `${n.toLocaleString("en")} ${one}${n === 1 ? "" : "s"}`;

/**
 * /account: a ChatGPT or Claude export (conversations.json, or the zip the app sent) becomes the
 * person's own private threads, with their titles, dates and branches (lib/import).
 */
export function ImportSection({ maxBytes }: { maxBytes: number }) {
  const hydrated = useHydrated();
  const fieldId = useId();
  const hintId = useId();
  const [progress, setProgress] = useState<ImportProgress | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [done, setDone] = useState(false);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const file = new FormData(event.currentTarget).get("file");
    if (!(file instanceof File) || file.size === 0) {
      setMessage({ ok: false, text: "Choose an export file first." });
      return;
    }
    setMessage(null);
    setDone(false);
    setProgress({ stage: "uploading", percent: 0 });
    const outcome = await uploadExport(file, setProgress);
    setProgress(null);
    if (outcome.ok) {
      const skipped = outcome.empty > 0 ? ` (${plural(outcome.empty, "empty conversation")} skipped)` : "";
      setMessage({ ok: true, text: `Imported ${plural(outcome.imported, "conversation")}${skipped}.` });
      setDone(true);
    } else setMessage({ ok: false, text: outcome.message });
  };

  const value =
    progress?.stage === "uploading"
      ? progress.percent
      : progress?.stage === "importing"
        ? progress.imported
        : undefined;
  const max = progress?.stage === "importing" ? Math.max(progress.total, 1) : 100;
  return (
    <Section title="Import conversations">
      <form onSubmit={submit} className="space-y-2">
        <label htmlFor={fieldId} className="block text-sm">
          Export file
        </label>
        <input
          id={fieldId}
          name="file"
          type="file"
          accept=".json,.zip,application/json,application/zip"
          aria-describedby={hintId}
          className={input}
          disabled={!hydrated || progress !== null}
        />
        <p id={hintId} className="text-xs text-zinc-500 dark:text-zinc-400">
          A ChatGPT or Claude export: the zip the app sent you, or the conversations.json inside it (at most{" "}
          {Math.floor(maxBytes / 1024 / 1024).toLocaleString("en")} MB). Each conversation becomes one of your private
          threads, with its title, dates and branches. Images and files are not imported: a note stands in for each.
        </p>
        <button type="submit" className={button} disabled={!hydrated || progress !== null}>
          Import
        </button>
        {progress && (
          <div role="status" className="space-y-1 text-sm">
            <p>{progressText(progress)}</p>
            <progress className="w-full" value={value} max={max} aria-label="Import progress" />
          </div>
        )}
        <ActionMessage message={message} />
        {done && (
          <p className="text-sm">
            <Link href="/" className="underline">
              Open your threads
            </Link>
          </p>
        )}
      </form>
    </Section>
  );
}
