"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import type { ReactNode } from "react";
import type { AdminUserRow } from "@/lib/shared/admin";
import { api } from "@/lib/client/api-client";
import { useAction } from "@/lib/client/use-action";
import { useHydrated } from "@/lib/client/use-hydrated";
import { DataTable } from "./data-table";

// nowrap: a narrow actions column wraps whole buttons onto more lines, never a label inside one.
const button =
  "rounded-md border border-zinc-300 px-2 py-1 text-xs font-medium whitespace-nowrap hover:bg-zinc-100 disabled:opacity-50 dark:border-zinc-700 dark:hover:bg-zinc-800";
const when = (iso: string | null) => (iso ? `${iso.slice(0, 10)} ${iso.slice(11, 16)}` : "never");
const count = (n: number) => n.toLocaleString("en");

/** `/admin`: the instance's accounts with their standing and spending, and what an admin can do to each. */
export function AdminUsers({
  me,
  q,
  users,
  nextCursor,
  children,
}: {
  me: string;
  q: string;
  users: AdminUserRow[];
  nextCursor: string | null;
  children: ReactNode;
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const { pending, run, status } = useAction();
  const act = async (action: () => Promise<unknown>, done: string) => {
    if (await run(action, done)) router.refresh();
  };

  const ban = (u: AdminUserRow) => {
    const reason = window.prompt(`Ban ${u.email}? Reason (shown to them when they sign in):`, "");
    if (reason === null) return;
    const days = window.prompt("Ban for how many days? Leave empty for no end.", "");
    if (days === null) return;
    const expiresAt = Number(days) > 0 ? new Date(Date.now() + Number(days) * 86_400_000).toISOString() : undefined;
    void act(
      () => api.admin.banUser(u.id, { reason: reason || undefined, expiresAt }),
      `${u.email} is banned and signed out everywhere.`,
    );
  };

  const setQuota = (u: AdminUserRow) => {
    const answer = window.prompt(
      `Monthly token quota for ${u.email} (input + output tokens). Leave empty for the instance's default.`,
      u.tokenQuota?.toString() ?? "",
    );
    if (answer === null) return;
    const tokens = answer.trim() === "" ? null : Number(answer.replace(/[\s,_]/g, ""));
    if (tokens !== null && (!Number.isInteger(tokens) || tokens < 0))
      return void window.alert("A quota is a whole number of tokens.");
    const done =
      tokens === null ? `${u.email} has the default quota.` : `${u.email} may use ${count(tokens)} tokens a month.`;
    void act(() => api.admin.updateUser(u.id, { tokenQuota: tokens }), done);
  };

  return (
    // max-w-7xl: the users table's twelve columns fit a 1280 px window side by side.
    <main className="mx-auto max-w-7xl space-y-4 p-4 sm:p-8">
      <div className="flex items-center justify-between gap-3">
        <h1 className="text-2xl font-semibold">Admin</h1>
        <Link href="/" className="text-sm underline">
          Back to chats
        </Link>
      </div>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Admins manage accounts. Nobody&apos;s threads, titles or messages are shown here, or anywhere else to an admin.
      </p>
      {children}
      <form className="flex gap-2" role="search" action="/admin">
        <input
          type="search"
          name="q"
          defaultValue={q}
          aria-label="Search users"
          placeholder="Name or email"
          className="w-full max-w-sm rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900"
        />
        <button type="submit" className={button}>
          Search
        </button>
      </form>
      {status}
      <DataTable caption="Users" minWidth="min-w-[56rem]">
        <thead className="text-left text-zinc-500 dark:text-zinc-400">
          <tr>
            <th className="font-normal">Name</th>
            <th className="font-normal">Email</th>
            <th className="font-normal">Role</th>
            <th className="font-normal">Status</th>
            <th className="font-normal">Created (UTC)</th>
            <th className="font-normal">Last active (UTC)</th>
            <th className="text-right font-normal">Messages this month</th>
            <th className="text-right font-normal">Tokens this month</th>
            <th className="text-right font-normal">Monthly quota</th>
            <th className="font-normal">Two-factor</th>
            <th className="text-right font-normal">Passkeys</th>
            <th className="font-normal">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
          {users.map((u) => (
            <tr key={u.id} aria-label={u.email}>
              <td>{u.name}</td>
              <td className="break-words">{u.email}</td>
              <td>{u.role}</td>
              <td title={u.banReason ?? undefined}>{u.status}</td>
              <td className="whitespace-nowrap tabular-nums">{when(u.createdAt)}</td>
              <td className="whitespace-nowrap tabular-nums">{when(u.lastActiveAt)}</td>
              <td className="text-right tabular-nums">{count(u.messagesThisMonth)}</td>
              <td className="text-right tabular-nums">{count(u.tokensThisMonth)}</td>
              <td className="text-right tabular-nums">{u.tokenQuota === null ? "default" : count(u.tokenQuota)}</td>
              <td>{u.twoFactorEnabled ? "on" : "off"}</td>
              <td className="text-right tabular-nums">{u.passkeys}</td>
              <td>
                <div className="flex flex-wrap justify-end gap-1">
                  {u.status === "pending" && (
                    <>
                      <button
                        type="button"
                        className={button}
                        disabled={!hydrated || pending}
                        onClick={() => void act(() => api.admin.approveUser(u.id), `${u.email} is approved.`)}
                      >
                        Approve
                      </button>
                      <button
                        type="button"
                        className={button}
                        disabled={!hydrated || pending}
                        onClick={() => {
                          if (window.confirm(`Reject ${u.email}? The account is deleted.`))
                            void act(() => api.admin.deleteUser(u.id), `${u.email} is rejected.`);
                        }}
                      >
                        Reject
                      </button>
                    </>
                  )}
                  {u.status === "banned" ? (
                    <button
                      type="button"
                      className={button}
                      disabled={!hydrated || pending}
                      onClick={() => void act(() => api.admin.unbanUser(u.id), `${u.email} is unbanned.`)}
                    >
                      Unban
                    </button>
                  ) : (
                    <button
                      type="button"
                      className={button}
                      disabled={!hydrated || pending || u.id === me}
                      onClick={() => ban(u)}
                    >
                      Ban
                    </button>
                  )}
                  <button type="button" className={button} disabled={!hydrated || pending} onClick={() => setQuota(u)}>
                    Set quota
                  </button>
                  {u.twoFactorEnabled && (
                    <button
                      type="button"
                      className={button}
                      disabled={!hydrated || pending}
                      onClick={() => {
                        if (
                          window.confirm(
                            `Turn off two-factor for ${u.email}? Do this only when you are sure it is them asking.`,
                          )
                        ) {
                          void act(() => api.admin.resetTwoFactor(u.id), `Two-factor is off for ${u.email}.`);
                        }
                      }}
                    >
                      Reset two-factor
                    </button>
                  )}
                  <button
                    type="button"
                    className={button}
                    disabled={!hydrated || pending}
                    onClick={() =>
                      void act(() => api.admin.revokeSessions(u.id), `${u.email} is signed out everywhere.`)
                    }
                  >
                    Revoke sessions
                  </button>
                  <button
                    type="button"
                    className={button}
                    disabled={!hydrated || pending}
                    onClick={() => {
                      if (
                        window.confirm(
                          `Email ${u.email} a link to choose a new password? Their sessions end when they use it.`,
                        )
                      ) {
                        void act(
                          () => api.admin.sendPasswordReset(u.id),
                          `A password reset link is on its way to ${u.email}.`,
                        );
                      }
                    }}
                  >
                    Send password reset link
                  </button>
                  <button
                    type="button"
                    className={button}
                    disabled={!hydrated || pending}
                    onClick={() =>
                      void act(
                        () => api.admin.updateUser(u.id, { role: u.role === "admin" ? "user" : "admin" }),
                        u.role === "admin" ? `${u.email} is no longer an admin.` : `${u.email} is now an admin.`,
                      )
                    }
                  >
                    {u.role === "admin" ? "Remove admin" : "Make admin"}
                  </button>
                  <button
                    type="button"
                    className={`${button} text-red-700 dark:text-red-400`}
                    disabled={!hydrated || pending || u.id === me}
                    onClick={() => {
                      if (window.confirm(`Delete ${u.email} and everything of theirs? This cannot be undone.`)) {
                        void act(() => api.admin.deleteUser(u.id), `${u.email} is deleted.`);
                      }
                    }}
                  >
                    Delete
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </DataTable>
      {users.length === 0 && <p className="text-sm text-zinc-500 dark:text-zinc-400">No users match.</p>}
      {nextCursor && (
        <Link
          className="text-sm underline"
          href={`/admin?${new URLSearchParams({ ...(q ? { q } : {}), after: nextCursor })}`}
        >
          Next page
        </Link>
      )}
    </main>
  );
}
