import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { enterSpace, workspaceForSlug } from "@/app/chat-shell-state";
import { WorkspaceAudit } from "@/components/workspaces/workspace-audit";
import { WorkspaceSettings } from "@/components/workspaces/workspace-settings";
import { WorkspaceUsage } from "@/components/workspaces/workspace-usage";
import { signInPathFor } from "@/lib/auth/safe-redirect";
import { isEmailVerificationPending, isPendingApproval } from "@/lib/auth/session";
import { getPageSession } from "@/lib/http/caller";
import { invitationDays } from "@/lib/workspaces/invitations";
import { workspaces } from "@/lib/workspaces/workspaces";

type Props = { params: Promise<{ slug: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const session = await getPageSession().catch(() => null);
  if (!session) return {};
  return { title: `${(await workspaceForSlug(session.user.id, (await params).slug)).name} settings · Threadkeeper` };
}

/**
 * `/w/:slug/settings`: the workspace's name, members, invitations, usage and events, and leaving
 * or deleting it. Every member sees it; what they may change follows their role (the API decides
 * again). For anyone not in the workspace, it is the 404 page.
 */
export default async function WorkspaceSettingsPage({ params }: Props) {
  const { slug } = await params;
  const session = await getPageSession();
  if (!session) redirect(signInPathFor(`/w/${slug}/settings`));
  // The chat page says why such an account cannot do anything yet.
  if (isEmailVerificationPending(session) || isPendingApproval(session)) redirect("/");
  const workspace = await workspaceForSlug(session.user.id, slug);
  // The page names a space, so it is the one the person is in from here (as on its chat pages).
  await enterSpace(session, workspace.id);
  const details = await workspaces.detailsForMember(session.user.id, workspace.id);
  if (!details) notFound();
  return (
    <WorkspaceSettings
      me={session.user.id}
      invitationDays={invitationDays}
      // Usage and events: WorkspaceSettings shows them to owners and admins only (the API refuses members too).
      admin={
        <>
          <WorkspaceUsage workspaceId={workspace.id} canSetQuota={workspace.role === "owner"} />
          <WorkspaceAudit workspaceId={workspace.id} />
        </>
      }
      details={{
        workspace: { ...details.workspace, createdAt: details.workspace.createdAt.toISOString() },
        members: details.members.map((m) => ({ ...m, joinedAt: m.joinedAt.toISOString() })),
        invitations: details.invitations.map((i) => ({
          ...i,
          expiresAt: i.expiresAt.toISOString(),
          createdAt: i.createdAt.toISOString(),
        })),
      }}
    />
  );
}
