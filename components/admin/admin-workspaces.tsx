import type { AdminWorkspaceRow } from "@/lib/shared/workspace-admin";
import { DataTable } from "./data-table";

const count = (n: number) => n.toLocaleString("en");

/** Every workspace of the instance with its members and this month's spending: counts only, never a thread. */
export function AdminWorkspaces({ workspaces }: { workspaces: AdminWorkspaceRow[] }) {
  return (
    <section
      aria-labelledby="admin-workspaces"
      className="space-y-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
    >
      <h2 id="admin-workspaces" className="font-semibold">
        Workspaces
      </h2>
      {workspaces.length === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">No workspaces yet.</p>
      ) : (
        <DataTable caption="Workspaces" minWidth="min-w-[36rem]">
          <thead className="text-left text-zinc-500 dark:text-zinc-400">
            <tr>
              <th className="font-normal">Name</th>
              <th className="font-normal">Slug</th>
              <th className="text-right font-normal">Members</th>
              <th className="text-right font-normal">Messages this month</th>
              <th className="text-right font-normal">Tokens this month</th>
              <th className="text-right font-normal">Created</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-200 tabular-nums dark:divide-zinc-800">
            {workspaces.map((w) => (
              <tr key={w.id}>
                <td className="break-all">{w.name}</td>
                <td className="break-all">{w.slug}</td>
                <td className="text-right">{count(w.members)}</td>
                <td className="text-right">{count(w.messages)}</td>
                <td className="text-right">{count(w.tokens)}</td>
                <td className="text-right">{w.createdAt.slice(0, 10)}</td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      )}
    </section>
  );
}
