"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { api } from "@/lib/client/api-client";
import { workspaceCreationModes, type WorkspaceCreationMode } from "@/lib/shared/workspaces";
import { useHydrated } from "@/lib/client/use-hydrated";

const labels: Record<WorkspaceCreationMode, string> = {
  everyone: "Everyone",
  admins: "Admins only",
};

/** Who may create workspaces: an admin's pick wins over WORKSPACE_CREATION until reset. */
export function WorkspaceCreationControl({
  mode,
  source,
  environment,
}: {
  mode: WorkspaceCreationMode;
  source: "admin" | "environment";
  environment: WorkspaceCreationMode;
}) {
  const hydrated = useHydrated();
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const change = (next: WorkspaceCreationMode | null) =>
    startTransition(async () => {
      setError(null);
      await api.admin.setWorkspaceCreation(next).then(
        () => router.refresh(),
        (thrown: Error) => setError(thrown.message),
      );
    });
  return (
    <section
      aria-labelledby="workspace-creation"
      className="space-y-2 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
    >
      <h2 id="workspace-creation" className="font-semibold">
        Workspace creation
      </h2>
      <label className="flex flex-wrap items-center gap-2 text-sm">
        <span>Who can create workspaces</span>
        <select
          value={mode}
          disabled={!hydrated || pending}
          onChange={(e) => change(e.target.value as WorkspaceCreationMode)}
          className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
        >
          {workspaceCreationModes.map((m) => (
            <option key={m} value={m}>
              {labels[m]}
            </option>
          ))}
        </select>
      </label>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {source === "admin" ? (
          <>
            Set here; <code>WORKSPACE_CREATION</code> says {labels[environment].toLowerCase()}.{" "}
            <button type="button" className="underline" disabled={!hydrated || pending} onClick={() => change(null)}>
              Reset to the environment
            </button>
          </>
        ) : (
          <>
            From <code>WORKSPACE_CREATION</code> (or its default, everyone).
          </>
        )}{" "}
        Existing workspaces stay either way.
      </p>
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </section>
  );
}
