"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { type FormEvent, type ReactNode } from "react";
import { FRESH_SIGN_IN_MAX_AGE_S, MAX_NAME_CHARS } from "@/lib/shared/account-rules";
import { displayIpAddress } from "@/lib/shared/ip-address";
import { accountAuthClient } from "@/lib/client/account-auth-client";
import { Section, button, input, when } from "./section";
import { useAction } from "@/lib/client/use-action";
import { useHydrated } from "@/lib/client/use-hydrated";

export type DeviceSession = {
  token: string;
  device: string;
  ipAddress: string | null;
  signedInAt: string;
  lastActiveAt: string;
  current: boolean;
};

export type SecurityEvent = {
  id: string;
  at: string;
  action: string;
  outcome: string;
  address: string | null;
  userAgent: string | null;
};

export type UsageRow = { model: string; messages: number; inputTokens: number; outputTokens: number };

const count = (n: number) => n.toLocaleString("en");

/** /account: one section component per concern, in the order the page shows them. */
export function AccountPanel({
  user,
  sessions,
  usage,
  quota,
  events,
  hasPassword,
  signIn,
  sharedLinks,
  instructions,
  conversationImport,
}: {
  /** What the model should know about the person (InstructionsSection), shown after the profile. */
  instructions?: ReactNode;
  /** Accounts made through SSO or a social provider may have no password to change. */
  hasPassword: boolean;
  user: { name: string; email: string; emailVerified: boolean };
  /** Sign-in methods, passkeys and two-factor: their own components, shown after the password. */
  signIn: ReactNode;
  /** The person's share links (SharedLinks), shown after their data. */
  sharedLinks: ReactNode;
  /** "Import conversations" (ImportSection), shown with their data. */
  conversationImport?: ReactNode;
  sessions: DeviceSession[];
  usage: UsageRow[];
  quota: number | null;
  events: SecurityEvent[];
}) {
  return (
    <main className="mx-auto max-w-2xl space-y-6 p-4 sm:p-8">
      <div className="flex items-center justify-between">
        <h1 className="text-2xl font-semibold">Account</h1>
        <Link href="/" className="text-sm underline">
          Back to chats
        </Link>
      </div>
      <ProfileSection user={user} />
      {instructions}
      <UsageSection usage={usage} quota={quota} />
      <SecurityEventsSection events={events} />
      <SessionsSection sessions={sessions} />
      <DataSection />
      {conversationImport}
      {sharedLinks}
      {hasPassword && <ChangePasswordSection />}
      {signIn}
      <DeleteAccountSection hasPassword={hasPassword} />
    </main>
  );
}

function ProfileSection({ user }: { user: { name: string; email: string; emailVerified: boolean } }) {
  const router = useRouter();
  const hydrated = useHydrated();
  const nameAction = useAction();
  const verifyAction = useAction();

  async function rename(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get("name")).trim();
    if (await nameAction.run(() => accountAuthClient.updateUser({ name }), "Name saved.")) router.refresh();
  }

  return (
    <Section title="Profile">
      <form onSubmit={rename} method="post" className="flex flex-wrap items-end gap-2">
        <label className="block flex-1 space-y-1 text-sm">
          <span>Name</span>
          <input
            name="name"
            defaultValue={user.name}
            required
            autoComplete="name"
            className={input}
            aria-describedby="name-limit"
          />
        </label>
        <button type="submit" className={button} disabled={!hydrated || nameAction.pending}>
          Save name
        </button>
      </form>
      <p id="name-limit" className="text-xs text-zinc-500 dark:text-zinc-400">
        At most {MAX_NAME_CHARS} characters.
      </p>
      {nameAction.status}
      <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
        <dt className="text-zinc-500 dark:text-zinc-400">Email</dt>
        <dd>
          {user.email}{" "}
          <span className="text-zinc-500 dark:text-zinc-400">({user.emailVerified ? "verified" : "not verified"})</span>
        </dd>
      </dl>
      {!user.emailVerified && (
        <>
          <button
            type="button"
            className={button}
            disabled={!hydrated || verifyAction.pending}
            onClick={() =>
              verifyAction.run(
                () => accountAuthClient.sendVerificationEmail({ email: user.email, callbackURL: "/account" }),
                "Verification email sent.",
              )
            }
          >
            Send verification email
          </button>
          {verifyAction.status}
        </>
      )}
    </Section>
  );
}

function UsageSection({ usage, quota }: { usage: UsageRow[]; quota: number | null }) {
  return (
    <Section title="Usage this month">
      {usage.length === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">No messages yet this month.</p>
      ) : (
        <table className="w-full text-sm">
          <thead className="text-left text-zinc-500 dark:text-zinc-400">
            <tr>
              <th className="font-normal">Model</th>
              <th className="text-right font-normal">Messages</th>
              <th className="text-right font-normal">Input tokens</th>
              <th className="text-right font-normal">Output tokens</th>
            </tr>
          </thead>
          <tbody className="tabular-nums">
            {usage.map((u) => (
              <tr key={u.model}>
                <td className="break-all">{u.model}</td>
                <td className="text-right">{count(u.messages)}</td>
                <td className="text-right">{count(u.inputTokens)}</td>
                <td className="text-right">{count(u.outputTokens)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {quota !== null && (
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {count(usage.reduce((sum, u) => sum + u.inputTokens + u.outputTokens, 0))} of {count(quota)} tokens used; the
          quota resets on the first of the month (UTC).
        </p>
      )}
    </Section>
  );
}

function SecurityEventsSection({ events }: { events: SecurityEvent[] }) {
  return (
    <Section title="Security events">
      {events.length === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">None yet.</p>
      ) : (
        <ul className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800" aria-label="Security events">
          {events.map((e) => (
            <li key={e.id} className="flex flex-wrap justify-between gap-2 py-1.5">
              <span>
                {e.action.replaceAll("_", " ")}
                {e.outcome === "failure" && <span className="text-red-700 dark:text-red-400"> (failed)</span>}
                {e.outcome === "challenged" && (
                  <span className="text-zinc-500 dark:text-zinc-400"> (password right, code asked)</span>
                )}
              </span>
              <span className="text-zinc-500 dark:text-zinc-400 tabular-nums">
                {when(e.at)}
                {e.address ? ` · ${displayIpAddress(e.address)}` : ""}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function SessionsSection({ sessions }: { sessions: DeviceSession[] }) {
  const router = useRouter();
  const hydrated = useHydrated();
  const sessionAction = useAction();
  const others = sessions.filter((s) => !s.current);
  return (
    <Section title="Active sessions">
      <ul className="divide-y divide-zinc-200 dark:divide-zinc-800" aria-label="Sessions">
        {sessions.map((s) => (
          <li key={s.token} className="flex items-center justify-between gap-3 py-2 text-sm">
            <div>
              <p className="font-medium">
                {s.device}
                {s.current && (
                  <span className="ml-2 rounded bg-zinc-200 px-1.5 py-0.5 text-xs dark:bg-zinc-700">This device</span>
                )}
              </p>
              <p className="text-zinc-500 dark:text-zinc-400">
                {s.ipAddress ? displayIpAddress(s.ipAddress) : "unknown address"} · signed in {when(s.signedInAt)} ·
                last active {when(s.lastActiveAt)}
              </p>
            </div>
            {!s.current && (
              <button
                type="button"
                className={button}
                disabled={!hydrated || sessionAction.pending}
                aria-label={`Revoke ${s.device}, signed in ${when(s.signedInAt)}`}
                onClick={async () => {
                  if (
                    await sessionAction.run(
                      () => accountAuthClient.revokeSession({ token: s.token }),
                      "Session revoked.",
                    )
                  )
                    router.refresh();
                }}
              >
                Revoke
              </button>
            )}
          </li>
        ))}
      </ul>
      <button
        type="button"
        className={button}
        disabled={!hydrated || sessionAction.pending || others.length === 0}
        onClick={async () => {
          if (await sessionAction.run(() => accountAuthClient.revokeOtherSessions(), "Signed out everywhere else."))
            router.refresh();
        }}
      >
        Sign out everywhere else
      </button>
      {sessionAction.status}
    </Section>
  );
}

function DataSection() {
  return (
    <Section title="Your data">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">Every thread and message of yours, as one JSON file.</p>
      <a href="/api/export" download className={`${button} inline-block`}>
        Download my data
      </a>
    </Section>
  );
}

function ChangePasswordSection() {
  const router = useRouter();
  const hydrated = useHydrated();
  const passwordAction = useAction();

  async function changePassword(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const ok = await passwordAction.run(
      () =>
        accountAuthClient.changePassword({
          currentPassword: String(form.get("currentPassword")),
          newPassword: String(form.get("newPassword")),
          revokeOtherSessions: form.get("revokeOthers") === "on",
        }),
      "Password changed.",
    );
    if (ok) {
      (event.target as HTMLFormElement).reset();
      router.refresh();
    }
  }

  return (
    <Section title="Change password">
      <form onSubmit={changePassword} method="post" className="space-y-3">
        <label className="block space-y-1 text-sm">
          <span>Current password</span>
          <input name="currentPassword" type="password" autoComplete="current-password" required className={input} />
        </label>
        <label className="block space-y-1 text-sm">
          <span>New password</span>
          <input
            name="newPassword"
            type="password"
            autoComplete="new-password"
            minLength={8}
            required
            className={input}
          />
        </label>
        <label className="flex items-center gap-2 text-sm">
          <input name="revokeOthers" type="checkbox" defaultChecked />
          <span>Sign out other devices</span>
        </label>
        <button type="submit" className={button} disabled={!hydrated || passwordAction.pending}>
          Change password
        </button>
        {passwordAction.status}
      </form>
    </Section>
  );
}

function DeleteAccountSection({ hasPassword }: { hasPassword: boolean }) {
  const hydrated = useHydrated();
  const deleteAction = useAction();

  async function deleteAccount(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // Without a password, the server asks for a sign-in of the last few minutes instead.
    const password = hasPassword ? String(new FormData(event.currentTarget).get("password")) : undefined;
    const ok = await deleteAction.run(
      () => accountAuthClient.deleteUser(password === undefined ? {} : { password }),
      "Account deleted.",
    );
    // A full page load: nothing of the deleted account stays in memory.
    // eslint-disable-next-line @next/next/no-location-assign-relative-destination
    if (ok) window.location.assign("/sign-up");
  }

  return (
    <Section title="Delete account">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Deletes your account, every thread and message, and every session. This cannot be undone.
      </p>
      <form onSubmit={deleteAccount} method="post" className="space-y-3">
        {hasPassword ? (
          <label className="block space-y-1 text-sm">
            <span>Confirm with your password</span>
            <input name="password" type="password" autoComplete="current-password" required className={input} />
          </label>
        ) : (
          <p className="text-sm text-zinc-600 dark:text-zinc-400">
            Your account has no password: sign out and sign in again, then delete it within{" "}
            {FRESH_SIGN_IN_MAX_AGE_S / 60} minutes.
          </p>
        )}
        <button
          type="submit"
          disabled={!hydrated || deleteAction.pending}
          className="rounded-md bg-red-700 px-3 py-1.5 text-sm font-medium text-white hover:bg-red-600 disabled:opacity-50"
        >
          Delete account
        </button>
        {deleteAction.status}
      </form>
    </Section>
  );
}
