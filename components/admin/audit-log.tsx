import Link from "next/link";
import { auditActions, type AuditRow } from "@/lib/shared/admin";
import { auditActionLabel, auditDetailText } from "@/lib/shared/audit-text";
import { displayIpAddress } from "@/lib/shared/ip-address";
import { DataTable } from "./data-table";

const field = "rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900";
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;

export type AuditFilters = { action?: string; actor?: string; since?: string; until?: string };

/** The audit log on /admin: filters by action, actor and time (a plain GET form), newest first, keyset pages. */
export function AuditLog({
  events,
  nextCursor,
  filters,
}: {
  events: AuditRow[];
  nextCursor: string | null;
  filters: AuditFilters;
}) {
  const next = new URLSearchParams(
    Object.entries({ ...filters, auditAfter: nextCursor ?? "" }).filter(([, v]) => v) as [string, string][],
  );
  return (
    <section
      aria-labelledby="audit-log"
      className="space-y-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
    >
      <h2 id="audit-log" className="font-semibold">
        Audit log
      </h2>
      <form action="/admin" className="flex flex-wrap items-end gap-2 text-sm" aria-label="Filter the audit log">
        <label className="flex flex-col gap-1">
          Action
          <select name="action" defaultValue={filters.action ?? ""} className={field}>
            <option value="">Any</option>
            {auditActions.map((a) => (
              <option key={a} value={a}>
                {auditActionLabel(a)}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1">
          Actor email
          <input name="actor" type="search" defaultValue={filters.actor ?? ""} className={field} />
        </label>
        <label className="flex flex-col gap-1">
          From
          <input name="since" type="date" defaultValue={filters.since ?? ""} className={field} />
        </label>
        <label className="flex flex-col gap-1">
          Until
          <input name="until" type="date" defaultValue={filters.until ?? ""} className={field} />
        </label>
        <button
          type="submit"
          className="rounded-md border border-zinc-300 px-2 py-1 text-xs font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800"
        >
          Filter
        </button>
      </form>
      <DataTable caption="Audit events" minWidth="min-w-[40rem]">
        <thead className="text-left text-zinc-500 dark:text-zinc-400">
          <tr>
            <th className="font-normal">Time (UTC)</th>
            <th className="font-normal">Action</th>
            <th className="font-normal">Outcome</th>
            <th className="font-normal">Actor</th>
            <th className="font-normal">Target</th>
            <th className="font-normal">Workspace</th>
            <th className="font-normal">Address</th>
            <th className="font-normal">Detail</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
          {events.map((e) => (
            <tr key={e.id}>
              <td className="whitespace-nowrap tabular-nums">{when(e.at)}</td>
              <td title={e.action}>{auditActionLabel(e.action)}</td>
              <td>{e.outcome}</td>
              <td className="break-words">{e.actorEmail ?? "—"}</td>
              <td className="break-words">{e.targetEmail ?? "—"}</td>
              <td className="wrap-anywhere">{e.workspace ?? "—"}</td>
              <td>{e.address ? displayIpAddress(e.address) : "—"}</td>
              <td className="wrap-anywhere text-zinc-600 dark:text-zinc-400">{auditDetailText(e.detail)}</td>
            </tr>
          ))}
        </tbody>
      </DataTable>
      {events.length === 0 && <p className="text-sm text-zinc-500 dark:text-zinc-400">No events.</p>}
      {nextCursor && (
        <Link className="text-sm underline" href={`/admin?${next}`}>
          Older events
        </Link>
      )}
    </section>
  );
}
