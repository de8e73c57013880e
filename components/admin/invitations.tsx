"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition, type FormEvent } from "react";
import { api } from "@/lib/client/api-client";
import type { InvitationRow } from "@/lib/shared/admin";
import { useHydrated } from "@/lib/client/use-hydrated";
import { DataTable } from "./data-table";

const button =
  "rounded-md border border-zinc-300 px-2 py-1 text-xs font-medium hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800";
const field = "rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900";

/** Invitation links: made here (the link is shown once), listed with their use, revocable. */
export function Invitations({ invitations }: { invitations: InvitationRow[] }) {
  const hydrated = useHydrated();
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [link, setLink] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const create = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    startTransition(async () => {
      setError(null);
      try {
        const { url } = await api.admin.createInvitation({
          maxUses: Number(form.get("maxUses")),
          expiresInDays: Number(form.get("expiresInDays")),
          email: String(form.get("email") ?? ""),
        });
        setLink(url);
        router.refresh();
      } catch (thrown) {
        setError(`Could not make the invitation. ${thrown instanceof Error ? thrown.message : ""}`);
      }
    });
  };

  const revoke = (id: string) =>
    startTransition(async () => {
      setError(null);
      await api.admin.revokeInvitation(id).then(
        () => router.refresh(),
        (thrown: Error) => setError(thrown.message),
      );
    });

  return (
    <section
      aria-labelledby="invitations"
      className="space-y-3 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
    >
      <h2 id="invitations" className="font-semibold">
        Invitations
      </h2>
      <form onSubmit={create} className="flex flex-wrap items-end gap-2 text-sm">
        <label className="flex flex-col gap-1">
          Uses
          <input
            name="maxUses"
            type="number"
            min={1}
            max={1000}
            defaultValue={1}
            required
            className={`${field} w-20`}
          />
        </label>
        <label className="flex flex-col gap-1">
          Valid for (days)
          <input
            name="expiresInDays"
            type="number"
            min={1}
            max={365}
            defaultValue={7}
            required
            className={`${field} w-24`}
          />
        </label>
        <label className="flex flex-col gap-1">
          Only for (email, optional)
          <input name="email" type="email" className={field} />
        </label>
        <button type="submit" className={button} disabled={!hydrated || pending}>
          Create invitation
        </button>
      </form>
      {link && (
        <p role="status" className="text-sm break-all">
          Invitation link (shown once): <code>{link}</code>
        </p>
      )}
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
      {invitations.length > 0 && (
        <DataTable caption="Invitations">
          <thead className="text-left text-zinc-500 dark:text-zinc-400">
            <tr>
              <th className="font-normal">For</th>
              <th className="font-normal">Used</th>
              <th className="font-normal">Expires (UTC)</th>
              <th className="font-normal">Status</th>
              <th className="font-normal">
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {invitations.map((i) => (
              <tr key={i.id}>
                <td className="break-all">{i.email ?? "anyone"}</td>
                <td className="tabular-nums">
                  {i.uses} of {i.maxUses}
                </td>
                <td className="tabular-nums">{`${i.expiresAt.slice(0, 10)} ${i.expiresAt.slice(11, 16)}`}</td>
                <td>{i.status}</td>
                <td className="text-right">
                  {i.status === "active" && (
                    <button
                      type="button"
                      className={button}
                      disabled={!hydrated || pending}
                      onClick={() => revoke(i.id)}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </DataTable>
      )}
    </section>
  );
}
