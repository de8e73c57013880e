"use client";

import { useCallback, useEffect, useId, useState, type FormEvent } from "react";
import { api } from "@/lib/client/api-client";
import { useAction } from "@/lib/client/use-action";
import { useHydrated } from "@/lib/client/use-hydrated";
import type { WorkspaceUsageJson } from "@/lib/shared/workspace-admin";

const count = (n: number) => n.toLocaleString("en");
const field = "w-40 rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900";
const button =
  "rounded-md border border-zinc-300 px-2 py-1 text-xs font-medium hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800";

/**
 * A workspace's spending this month, for its owners and admins (the route answers 403 to a plain
 * member): the quota and tokens used, and each member's replies and tokens. Counts only. With
 * `canSetQuota` (owners), a form to change the quota.
 */
export function WorkspaceUsage({ workspaceId, canSetQuota = false }: { workspaceId: string; canSetQuota?: boolean }) {
  const headingId = useId();
  const [loaded, setLoaded] = useState<{ id: string; usage?: WorkspaceUsageJson; error?: string } | null>(null);
  const load = useCallback(
    () =>
      api.workspaceUsage(workspaceId).then(
        (usage) => setLoaded({ id: workspaceId, usage }),
        (thrown: Error) => setLoaded({ id: workspaceId, error: thrown.message }),
      ),
    [workspaceId],
  );
  useEffect(() => {
    let live = true;
    api.workspaceUsage(workspaceId).then(
      (usage) => live && setLoaded({ id: workspaceId, usage }),
      (thrown: Error) => live && setLoaded({ id: workspaceId, error: thrown.message }),
    );
    return () => {
      live = false;
    };
  }, [workspaceId]);
  const current = loaded?.id === workspaceId ? loaded : null;
  const usage = current?.usage;

  return (
    <section
      aria-labelledby={headingId}
      className="space-y-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
    >
      <h2 id={headingId} className="font-semibold">
        Usage this month
      </h2>
      {current?.error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {current.error}
        </p>
      )}
      {!current && <p className="text-sm text-zinc-500 dark:text-zinc-400">Loading…</p>}
      {usage && (
        <>
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            {usage.quota === null ? (
              <>
                {count(usage.used)} tokens used in {usage.month} (UTC); no workspace quota.
              </>
            ) : (
              <>
                {count(usage.used)} of {count(usage.quota)} tokens used in {usage.month} (UTC). Once the quota is used
                up, replies in this workspace stop until the first of next month (UTC).
              </>
            )}
          </p>
          <table aria-labelledby={headingId} className="w-full text-sm">
            <thead className="text-left text-zinc-500 dark:text-zinc-400">
              <tr>
                <th className="font-normal">Member</th>
                <th className="text-right font-normal">Messages</th>
                <th className="text-right font-normal">Tokens</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-200 tabular-nums dark:divide-zinc-800">
              {usage.members.map((m) => (
                <tr key={m.userId}>
                  <td className="break-all">{m.name}</td>
                  <td className="text-right">{count(m.messages)}</td>
                  <td className="text-right">{count(m.tokens)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="text-xs text-zinc-500 dark:text-zinc-400">
            Messages are replies in this workspace&apos;s threads; tokens (input + output, titles included) are what the
            quota counts.
          </p>
          {canSetQuota && <QuotaForm workspaceId={workspaceId} quota={usage.quota} onSaved={load} />}
        </>
      )}
    </section>
  );
}

function QuotaForm({
  workspaceId,
  quota,
  onSaved,
}: {
  workspaceId: string;
  quota: number | null;
  onSaved: () => unknown;
}) {
  const hydrated = useHydrated();
  const { pending, run, status } = useAction();
  const inputId = useId();
  const save = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const raw = String(new FormData(event.currentTarget).get("tokens") ?? "").replace(/[\s,_]/g, "");
    const tokens = raw === "" ? null : Number(raw);
    const done = tokens === null ? "The workspace has no quota." : `The quota is ${count(tokens)} tokens a month.`;
    if (
      await run(async () => {
        if (tokens !== null && (!Number.isSafeInteger(tokens) || tokens < 0))
          throw new Error("A quota is a whole number of tokens (or empty for none).");
        return api.setWorkspaceQuota(workspaceId, tokens);
      }, done)
    )
      await onSaved();
  };
  return (
    <form onSubmit={save} className="space-y-1 text-sm">
      <div className="flex flex-wrap items-center gap-2">
        <label htmlFor={inputId}>Monthly token quota</label>
        <input
          id={inputId}
          name="tokens"
          inputMode="numeric"
          defaultValue={quota ?? ""}
          placeholder="No quota"
          className={field}
        />
        <button type="submit" className={button} disabled={!hydrated || pending}>
          Save quota
        </button>
      </div>
      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        Input + output tokens all members together may use a month; empty for none.
      </p>
      {status}
    </form>
  );
}
