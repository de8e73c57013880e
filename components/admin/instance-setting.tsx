"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type ReactNode } from "react";
import { useHydrated } from "@/lib/client/use-hydrated";

/**
 * An instance setting an admin picks on /admin (the sign-up mode, who may create workspaces): the
 * pick wins over its environment variable until reset.
 */
export function InstanceSettingControl<Mode extends string>({
  id,
  heading,
  label,
  variable,
  modes,
  labels,
  mode,
  source,
  environment,
  save,
  note,
  children,
}: {
  id: string;
  heading: string;
  /** The select's accessible name. */
  label: string;
  variable: string;
  modes: readonly Mode[];
  labels: Record<Mode, string>;
  mode: Mode;
  source: "admin" | "environment";
  environment: Mode;
  /** Stores the pick; null goes back to the environment. */
  save: (next: Mode | null) => Promise<unknown>;
  note?: ReactNode;
  /** More about the setting, inside its section (what it governs, counted). */
  children?: ReactNode;
}) {
  const hydrated = useHydrated();
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const change = (next: Mode | null) =>
    startTransition(async () => {
      setError(null);
      await save(next).then(
        () => router.refresh(),
        (thrown: Error) => setError(thrown.message),
      );
    });
  return (
    <section aria-labelledby={id} className="space-y-2 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800">
      <h2 id={id} className="font-semibold">
        {heading}
      </h2>
      <label className="flex flex-wrap items-center gap-2 text-sm">
        <span>{label}</span>
        <select
          value={mode}
          disabled={!hydrated || pending}
          onChange={(e) => change(e.target.value as Mode)}
          className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
        >
          {modes.map((m) => (
            <option key={m} value={m}>
              {labels[m]}
            </option>
          ))}
        </select>
      </label>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {source === "admin" ? (
          <>
            Set here; <code>{variable}</code> says {environment}.{" "}
            <button type="button" className="underline" disabled={!hydrated || pending} onClick={() => change(null)}>
              Reset to the environment
            </button>
          </>
        ) : (
          <>
            From <code>{variable}</code> (or its default).
          </>
        )}
        {note && <> {note}</>}
      </p>
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      {children}
    </section>
  );
}
