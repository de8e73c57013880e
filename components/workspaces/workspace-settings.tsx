"use client";

import { useRouter } from "next/navigation";
import { Fragment, useRef, useState, type FormEvent, type ReactNode } from "react";
import { Section, button, input, when } from "@/components/account/section";
import { loadPage } from "@/lib/client/load-page";
import { useHydrated } from "@/lib/client/use-hydrated";
import { workspaceApi, type CreatedInvitation, type WorkspaceDetailsJson } from "@/lib/client/workspace-api";
import {
  managesMembers,
  spacePath,
  workspaceRoleNames,
  type WorkspaceRoleName,
  workspaceNameMaxChars,
} from "@/lib/shared/workspaces";

type Member = WorkspaceDetailsJson["members"][number];
type Invitation = WorkspaceDetailsJson["invitations"][number];

const dangerButton =
  "rounded-md border border-red-300 px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50 disabled:opacity-50 dark:border-red-800 dark:text-red-400 dark:hover:bg-red-950";
const smallField = "rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900";

const roleLabel: Record<WorkspaceRoleName, string> = { owner: "Owner", admin: "Admin", member: "Member" };

/** Changes whenever what the page shows of the workspace changes (a rename, a member, a role, an invitation). */
const detailsVersion = ({ workspace, members, invitations }: WorkspaceDetailsJson) =>
  JSON.stringify([workspace.name, members.map((m) => [m.id, m.role]), invitations.map((i) => i.id)]);

/**
 * A call behind a control: `busy` while it runs, then the server's own message as an alert (the
 * API client turns the error shape into it), or nothing. `run` resolves to whether it worked.
 */
function useCall() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async <T,>(call: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false }> => {
    setBusy(true);
    setError(null);
    try {
      return { ok: true, value: await call() };
    } catch (thrown) {
      setError(thrown instanceof Error ? thrown.message : "That did not work.");
      return { ok: false };
    } finally {
      setBusy(false);
    }
  };
  const alert = error && (
    <p role="alert" className="text-sm text-red-700 dark:text-red-400">
      {error}
    </p>
  );
  return { busy, run, alert };
}

/**
 * `/w/:slug/settings`. Controls the viewer's role does not allow are not offered (or disabled),
 * by the same rules the API enforces: owners and admins rename, invite and manage members (admins
 * never touch an owner or make one); only owners delete.
 */
export function WorkspaceSettings({
  details,
  me,
  invitationDays,
  admin,
}: {
  details: WorkspaceDetailsJson;
  me: string;
  invitationDays: { default: number; min: number; max: number };
  /** Usage and events, for owners and admins (their own components, rendered by the page). */
  admin?: ReactNode;
}) {
  const { workspace, members, invitations } = details;
  const manager = managesMembers(workspace.role);
  return (
    <main className="mx-auto max-w-3xl space-y-6 p-4 sm:p-8">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <h1 className="text-2xl font-semibold break-all">{workspace.name}: settings</h1>
        <a href={spacePath(workspace)} className="text-sm underline">
          Back to the workspace
        </a>
      </div>
      <NameSection workspaceId={workspace.id} name={workspace.name} slug={workspace.slug} canRename={manager} />
      <MembersSection workspaceId={workspace.id} members={members} me={me} viewerRole={workspace.role} />
      {manager && (
        <InvitationsSection
          workspaceId={workspace.id}
          invitations={invitations}
          viewerRole={workspace.role}
          days={invitationDays}
        />
      )}
      {/* Read again (remounted) after each change this page makes, so usage and events stay current. */}
      {manager && <Fragment key={detailsVersion(details)}>{admin}</Fragment>}
      <LeaveOrDeleteSection workspaceId={workspace.id} name={workspace.name} isOwner={workspace.role === "owner"} />
    </main>
  );
}

function NameSection({
  workspaceId,
  name,
  slug,
  canRename,
}: {
  workspaceId: string;
  name: string;
  slug: string;
  canRename: boolean;
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const { busy, run, alert } = useCall();
  const [saved, setSaved] = useState(false);

  const rename = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSaved(false);
    const next = String(new FormData(event.currentTarget).get("name") ?? "").trim();
    if ((await run(() => workspaceApi.rename(workspaceId, next))).ok) {
      setSaved(true);
      router.refresh();
    }
  };

  return (
    <Section title="Workspace">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Address: <code>/w/{slug}</code>
      </p>
      {canRename ? (
        <form onSubmit={rename} className="flex flex-wrap items-end gap-2">
          <label className="flex min-w-48 flex-1 flex-col gap-1 text-sm">
            Name
            <input name="name" defaultValue={name} required maxLength={workspaceNameMaxChars} className={input} />
          </label>
          <button type="submit" className={button} disabled={!hydrated || busy}>
            Save
          </button>
        </form>
      ) : (
        <p className="text-sm">
          Name: <strong>{name}</strong>
        </p>
      )}
      {saved && (
        <p role="status" className="text-sm text-green-700 dark:text-green-400">
          Saved.
        </p>
      )}
      {alert}
    </Section>
  );
}

/** What the viewer may do to a member, as the API decides it (lib/workspaces/workspaces.ts). */
function allowed(viewerRole: WorkspaceRoleName, viewerIsTarget: boolean, target: WorkspaceRoleName) {
  const manager = managesMembers(viewerRole);
  const owner = viewerRole === "owner";
  return {
    changeRole: manager && (owner || target !== "owner"),
    roles: owner ? workspaceRoleNames : workspaceRoleNames.filter((r) => r !== "owner" || target === "owner"),
    remove: manager && !viewerIsTarget && (owner || target !== "owner"),
  };
}

function MembersSection({
  workspaceId,
  members,
  me,
  viewerRole,
}: {
  workspaceId: string;
  members: Member[];
  me: string;
  viewerRole: WorkspaceRoleName;
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const { busy, run, alert } = useCall();
  // A refused change puts the select back: its key changes, so it shows the stored role again.
  const [attempt, setAttempt] = useState(0);
  const [confirmRemove, setConfirmRemove] = useState<string | null>(null);

  const changeRole = async (member: Member, role: WorkspaceRoleName) => {
    const done = await run(() => workspaceApi.changeRole(workspaceId, member.id, role));
    if (done.ok) router.refresh();
    else setAttempt((n) => n + 1);
  };
  const remove = async (member: Member) => {
    setConfirmRemove(null);
    if ((await run(() => workspaceApi.removeMember(workspaceId, member.id))).ok) router.refresh();
  };

  return (
    <Section title="Members">
      {alert}
      <ul className="divide-y divide-zinc-200 dark:divide-zinc-800">
        {members.map((m) => {
          const may = allowed(viewerRole, m.userId === me, m.role);
          return (
            <li key={m.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2 text-sm">
              <span className="min-w-0 flex-1">
                <span className="block truncate font-medium">
                  {m.name}
                  {m.userId === me && <span className="font-normal text-zinc-500 dark:text-zinc-400"> (you)</span>}
                </span>
                <span className="block truncate text-xs text-zinc-500 dark:text-zinc-400">
                  {m.email} · joined {when(m.joinedAt)}
                </span>
              </span>
              <select
                key={`${m.id}:${m.role}:${attempt}`}
                aria-label={`Role for ${m.name}`}
                defaultValue={m.role}
                disabled={!hydrated || busy || !may.changeRole}
                onChange={(event) => void changeRole(m, event.target.value as WorkspaceRoleName)}
                className={smallField}
              >
                {(may.changeRole ? may.roles : workspaceRoleNames).map((r) => (
                  <option key={r} value={r}>
                    {roleLabel[r]}
                  </option>
                ))}
              </select>
              {may.remove &&
                (confirmRemove === m.id ? (
                  <span role="group" aria-label={`Remove ${m.name}?`} className="flex items-center gap-1">
                    <span className="text-xs text-red-700 dark:text-red-400">
                      Their threads here move to their personal space.
                    </span>
                    <button type="button" className={dangerButton} disabled={busy} onClick={() => void remove(m)}>
                      Confirm remove
                    </button>
                    <button type="button" className={button} onClick={() => setConfirmRemove(null)}>
                      Cancel
                    </button>
                  </span>
                ) : (
                  <button
                    type="button"
                    className={button}
                    disabled={!hydrated || busy}
                    onClick={() => setConfirmRemove(m.id)}
                  >
                    Remove <span className="sr-only">{m.name}</span>
                  </button>
                ))}
            </li>
          );
        })}
      </ul>
    </Section>
  );
}

function InvitationsSection({
  workspaceId,
  invitations,
  viewerRole,
  days,
}: {
  workspaceId: string;
  invitations: Invitation[];
  viewerRole: WorkspaceRoleName;
  days: { default: number; min: number; max: number };
}) {
  const router = useRouter();
  const hydrated = useHydrated();
  const inviting = useCall();
  const revoking = useCall();
  const [created, setCreated] = useState<CreatedInvitation | null>(null);
  const [copied, setCopied] = useState(false);
  const linkField = useRef<HTMLInputElement>(null);

  const invite = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    setCreated(null);
    setCopied(false);
    const done = await inviting.run(() =>
      workspaceApi.invite(workspaceId, {
        email: String(data.get("email") ?? "").trim(),
        role: String(data.get("role")) as WorkspaceRoleName,
        expiresInDays: Number(data.get("expiresInDays")),
      }),
    );
    if (!done.ok) return;
    setCreated(done.value);
    form.reset();
    router.refresh();
  };

  const copy = async () => {
    if (!created) return;
    try {
      await navigator.clipboard.writeText(created.url);
      setCopied(true);
    } catch {
      // No clipboard (an insecure origin, a refused permission): the link is selected to copy by hand.
      linkField.current?.select();
    }
  };

  const revoke = async (invitation: Invitation) => {
    if ((await revoking.run(() => workspaceApi.revokeInvitation(workspaceId, invitation.id))).ok) router.refresh();
  };

  const roles = viewerRole === "owner" ? workspaceRoleNames : workspaceRoleNames.filter((r) => r !== "owner");
  return (
    <Section title="Invitations">
      <form onSubmit={invite} className="flex flex-wrap items-end gap-2 text-sm">
        <label className="flex min-w-48 flex-1 flex-col gap-1">
          Email
          <input name="email" type="email" required autoComplete="off" className={smallField} />
        </label>
        <label className="flex flex-col gap-1">
          Role
          <select name="role" defaultValue="member" className={smallField}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {roleLabel[r]}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1">
          Expires in (days)
          <input
            name="expiresInDays"
            type="number"
            min={days.min}
            max={days.max}
            defaultValue={days.default}
            required
            className={`${smallField} w-24`}
          />
        </label>
        <button type="submit" className={button} disabled={!hydrated || inviting.busy}>
          Invite
        </button>
      </form>
      {inviting.alert}
      {created && (
        <div role="status" className="space-y-1 rounded-md bg-zinc-50 p-2 text-sm dark:bg-zinc-900">
          <p>
            Invitation for <strong>{created.invitation.email}</strong>. The link is shown only this once: copy it now
            (it was also emailed).
          </p>
          <div className="flex gap-2">
            <input
              ref={linkField}
              readOnly
              aria-label="Invitation link"
              value={created.url}
              onFocus={(event) => event.currentTarget.select()}
              className={`${smallField} min-w-0 flex-1 font-mono text-xs`}
            />
            <button type="button" className={button} onClick={() => void copy()}>
              Copy link
            </button>
          </div>
          {copied && <p className="text-xs text-green-700 dark:text-green-400">Copied.</p>}
        </div>
      )}
      <h3 className="pt-2 text-sm font-medium">Pending</h3>
      {revoking.alert}
      {invitations.length === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">No pending invitations.</p>
      ) : (
        <ul aria-label="Pending invitations" className="divide-y divide-zinc-200 dark:divide-zinc-800">
          {invitations.map((i) => (
            <li key={i.id} className="flex flex-wrap items-center gap-x-3 gap-y-1 py-2 text-sm">
              <span className="min-w-0 flex-1">
                <span className="block truncate font-medium">{i.email}</span>
                <span className="block text-xs text-zinc-500 dark:text-zinc-400">
                  {roleLabel[i.role]} ·{" "}
                  {i.status === "expired" ? `expired ${when(i.expiresAt)}` : `expires ${when(i.expiresAt)}`}
                  {i.inviterName && ` · invited by ${i.inviterName}`}
                </span>
              </span>
              <button
                type="button"
                className={button}
                disabled={!hydrated || revoking.busy}
                onClick={() => void revoke(i)}
              >
                Revoke <span className="sr-only">invitation for {i.email}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function LeaveOrDeleteSection({ workspaceId, name, isOwner }: { workspaceId: string; name: string; isOwner: boolean }) {
  const hydrated = useHydrated();
  const { busy, run, alert } = useCall();
  const [confirming, setConfirming] = useState<"leave" | "delete" | null>(null);

  const leave = async () => {
    setConfirming(null);
    if ((await run(() => workspaceApi.leave(workspaceId))).ok) loadPage("/");
  };
  const remove = async () => {
    setConfirming(null);
    if ((await run(() => workspaceApi.remove(workspaceId))).ok) loadPage("/");
  };

  return (
    <Section title="Leave or delete">
      {confirming === "leave" ? (
        <div role="group" aria-label={`Leave ${name}?`} className="space-y-2 text-sm">
          <p>
            Leave <strong>{name}</strong>? Your threads here move to your personal space and stop being shared. You need
            a new invitation to come back.
          </p>
          <div className="flex gap-2">
            <button type="button" className={dangerButton} disabled={busy} onClick={() => void leave()}>
              Yes, leave
            </button>
            <button type="button" className={button} onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : confirming === "delete" ? (
        <div role="group" aria-label={`Delete ${name}?`} className="space-y-2 text-sm">
          <p>
            Delete <strong>{name}</strong> for everyone? Every thread in it moves to its author&apos;s personal space,
            unshared. Its members, invitations and usage records are deleted. This cannot be undone.
          </p>
          <div className="flex gap-2">
            <button type="button" className={dangerButton} disabled={busy} onClick={() => void remove()}>
              Yes, delete it
            </button>
            <button type="button" className={button} onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div className="flex flex-wrap gap-2">
          <button type="button" className={button} disabled={!hydrated || busy} onClick={() => setConfirming("leave")}>
            Leave workspace
          </button>
          {isOwner && (
            <button
              type="button"
              className={dangerButton}
              disabled={!hydrated || busy}
              onClick={() => setConfirming("delete")}
            >
              Delete workspace
            </button>
          )}
        </div>
      )}
      {alert}
    </Section>
  );
}
