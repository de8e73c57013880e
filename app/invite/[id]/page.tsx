import type { Metadata } from "next";
import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { SignOutButton } from "@/components/account/sign-out-button";
import { ResendVerificationButton } from "@/components/account/resend-verification-button";
import { AcceptInvitationButton } from "@/components/workspaces/accept-invitation-button";
import { signInPathFor } from "@/lib/auth/safe-redirect";
import { getPageSession } from "@/lib/http/caller";
import { workspaceInvitations, type InvitationView } from "@/lib/workspaces/invitations";
import { workspaces } from "@/lib/workspaces/workspaces";
import { spacePath } from "@/lib/shared/workspaces";

export const metadata: Metadata = { title: "Workspace invitation · Threadkeeper" };

type Props = { params: Promise<{ id: string }> };

const link = "text-sm font-medium underline";
const primaryLink =
  "rounded-md bg-zinc-900 px-3 py-2 text-sm font-medium text-white hover:bg-zinc-700 dark:bg-zinc-100 dark:text-zinc-900";

const unavailable: Record<Exclude<InvitationView["state"], "pending">, string> = {
  expired: "This invitation has expired. Ask the person who invited you for a new one.",
  revoked: "This invitation was revoked. Ask the person who invited you for a new one.",
  used: "This invitation has already been used.",
};

// One fixed format on server and client alike (no locale or time zone drift).
const when = (date: Date) => `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 16)} UTC`;

/**
 * `/invite/:id`, the link in an invitation email (the id is its secret; signed out visitors reach
 * it too). It says which workspace, who invited, the role and the expiry, then what the visitor
 * can do: sign in or sign up, accept, or why they cannot. An unknown id is the 404 page.
 */
export default async function InvitationPage({ params }: Props) {
  const { id } = await params;
  const invitation = await workspaceInvitations.viewById(id);
  if (!invitation) notFound();
  const session = await getPageSession();
  const member = session ? await workspaces.membershipForUser(session.user.id, { id: invitation.workspaceId }) : null;
  const here = `/invite/${encodeURIComponent(invitation.id)}`;

  let next: ReactNode;
  if (member) {
    next = (
      <>
        <p role="status">You are a member of {invitation.workspaceName}.</p>
        <a href={spacePath(member)} className={primaryLink}>
          Open {invitation.workspaceName}
        </a>
      </>
    );
  } else if (invitation.state !== "pending") {
    next = <p role="alert">{unavailable[invitation.state]}</p>;
  } else if (!session) {
    next = (
      <div className="flex flex-wrap items-center justify-center gap-3">
        <a href={signInPathFor(here)} className={primaryLink}>
          Sign in to accept
        </a>
        {/* The sign-up page comes back here once the account is made. */}
        <a href={`/sign-up?workspace-invite=${encodeURIComponent(invitation.id)}`} className={link}>
          Create an account
        </a>
      </div>
    );
  } else if (session.user.email.toLowerCase() !== invitation.email.toLowerCase()) {
    next = (
      <>
        <p role="alert">
          This invitation is for {invitation.email}, and you are signed in as {session.user.email}. Sign out, then open
          this link again and sign in with the invited address.
        </p>
        <SignOutButton />
      </>
    );
  } else if (!session.user.emailVerified) {
    next = (
      <>
        <p role="alert">
          Confirm your email address first: open the link we sent to {session.user.email}, then come back to this page.
        </p>
        <ResendVerificationButton email={session.user.email} />
      </>
    );
  } else {
    next = <AcceptInvitationButton invitationId={invitation.id} />;
  }

  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-4 p-6 text-center">
      <h1 className="text-2xl font-semibold break-all">Join {invitation.workspaceName}</h1>
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-left text-sm">
        <dt className="text-zinc-500 dark:text-zinc-400">Invited by</dt>
        <dd>{invitation.inviterName ?? "a former member"}</dd>
        <dt className="text-zinc-500 dark:text-zinc-400">For</dt>
        <dd className="break-all">{invitation.email}</dd>
        <dt className="text-zinc-500 dark:text-zinc-400">Role</dt>
        <dd>{invitation.role.charAt(0).toUpperCase() + invitation.role.slice(1)}</dd>
        <dt className="text-zinc-500 dark:text-zinc-400">{invitation.state === "expired" ? "Expired" : "Expires"}</dt>
        <dd>{when(invitation.expiresAt)}</dd>
      </dl>
      <div className="flex max-w-md flex-col items-center gap-3 text-zinc-700 dark:text-zinc-300">{next}</div>
    </main>
  );
}
