"use client";

import { useEffect, useId, useState, useTransition } from "react";
import { api } from "@/lib/client/api-client";
import { auditActionLabel, auditDetailText } from "@/lib/shared/audit-text";
import type { WorkspaceAuditRow } from "@/lib/shared/workspace-admin";

const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;

type Pages = { id: string; events: WorkspaceAuditRow[]; nextCursor: string | null; error?: string };

/**
 * A workspace's events (members, invitations, roles, renames, quota, sharing), newest first, 50 a
 * page with "Older events" for the next, for its owners and admins.
 */
export function WorkspaceAudit({ workspaceId }: { workspaceId: string }) {
  const headingId = useId();
  const [pages, setPages] = useState<Pages | null>(null);
  const [pending, startTransition] = useTransition();
  useEffect(() => {
    let live = true;
    api.workspaceAudit(workspaceId).then(
      (page) => live && setPages({ id: workspaceId, ...page }),
      (thrown: Error) => live && setPages({ id: workspaceId, events: [], nextCursor: null, error: thrown.message }),
    );
    return () => {
      live = false;
    };
  }, [workspaceId]);
  const current = pages?.id === workspaceId ? pages : null;

  const older = (after: string) =>
    startTransition(async () => {
      await api.workspaceAudit(workspaceId, after).then(
        (page) =>
          setPages((shown) =>
            shown?.id === workspaceId
              ? { id: workspaceId, events: [...shown.events, ...page.events], nextCursor: page.nextCursor }
              : shown,
          ),
        (thrown: Error) => setPages((shown) => shown && { ...shown, error: thrown.message }),
      );
    });

  return (
    <section
      aria-labelledby={headingId}
      className="space-y-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
    >
      <h2 id={headingId} className="font-semibold">
        Workspace events
      </h2>
      {!current && <p className="text-sm text-zinc-500 dark:text-zinc-400">Loading…</p>}
      {current && current.events.length === 0 && !current.error && (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">No events yet.</p>
      )}
      {current && current.events.length > 0 && (
        <div className="overflow-x-auto">
          <table aria-labelledby={headingId} className="w-full min-w-[32rem] text-sm">
            <thead className="text-left text-zinc-500 dark:text-zinc-400">
              <tr>
                <th className="font-normal">Time (UTC)</th>
                <th className="font-normal">Event</th>
                <th className="font-normal">By</th>
                <th className="font-normal">Concerning</th>
                <th className="font-normal">Detail</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
              {current.events.map((e) => (
                <tr key={e.id}>
                  <td className="tabular-nums whitespace-nowrap">{when(e.at)}</td>
                  <td>
                    {auditActionLabel(e.action)}
                    {e.outcome === "failure" && <span className="text-red-700 dark:text-red-400"> (failed)</span>}
                  </td>
                  <td className="break-all">{e.actorEmail ?? "—"}</td>
                  <td className="break-all">{e.targetEmail ?? "—"}</td>
                  <td className="break-all text-zinc-600 dark:text-zinc-400">{auditDetailText(e.detail)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {current?.error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {current.error}
        </p>
      )}
      {current?.nextCursor && (
        <button
          type="button"
          disabled={pending}
          onClick={() => older(current.nextCursor!)}
          className="rounded-md border border-zinc-300 px-2 py-1 text-xs font-medium hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800"
        >
          {pending ? "Loading…" : "Older events"}
        </button>
      )}
    </section>
  );
}
