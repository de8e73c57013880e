import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { AdminUsers } from "@/components/admin/admin-users";
import { AuditLog } from "@/components/admin/audit-log";
import { Invitations } from "@/components/admin/invitations";
import { audit } from "@/lib/admin/audit";
import { SignupModeControl } from "@/components/admin/signup-mode";
import { WorkspaceCreationControl } from "@/components/admin/workspace-creation";
import { AdminWorkspaces } from "@/components/admin/admin-workspaces";
import { AdminShareLinks } from "@/components/admin/share-links";
import { AdminMcpServers } from "@/components/admin/mcp-servers";
import { invitations } from "@/lib/admin/invitations";
import { signupPolicy } from "@/lib/admin/signup-policy";
import { workspaceCreationPolicy } from "@/lib/workspaces/creation-policy";
import { shareLinkPolicy } from "@/lib/sharing/policy";
import { shareLinks } from "@/lib/sharing/share-links";
import { workspaces } from "@/lib/workspaces/workspaces";
import { toolCatalog } from "@/lib/tools/catalog";
import { adminUsers } from "@/lib/http/caller";
import { signInPathFor } from "@/lib/auth/safe-redirect";
import { isAdmin } from "@/lib/auth/session";
import { getPageSession } from "@/lib/http/caller";

export const metadata: Metadata = { title: "Admin · Threadkeeper" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** Admins only; for anyone else it is the same 404 page as an unknown address. */
export default async function AdminPage({ searchParams }: Props) {
  const session = await getPageSession();
  if (!session) redirect(signInPathFor("/admin"));
  if (!isAdmin(session)) notFound();
  const params = await searchParams;
  const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);
  const q = one(params.q) ?? "";
  const filters = {
    action: one(params.action),
    actor: one(params.actor),
    since: one(params.since),
    until: one(params.until),
  };
  const [page, signup, creation, invited, spaces, sharing, shared, tools, events] = await Promise.all([
    adminUsers.listUsers({ q, after: one(params.after) }),
    signupPolicy.current(),
    workspaceCreationPolicy.current(),
    invitations.list(),
    workspaces.overviewForAdmin(),
    shareLinkPolicy.current(),
    shareLinks.overviewForAdmin(),
    toolCatalog.listServers(),
    audit.listForAdmin({ ...filters, after: one(params.auditAfter) }),
  ]);
  return (
    <AdminUsers me={session.user.id} q={q} users={page.users} nextCursor={page.nextCursor}>
      <SignupModeControl mode={signup.mode} source={signup.source} environment={signupPolicy.defaults.mode} />
      <WorkspaceCreationControl
        mode={creation.mode}
        source={creation.source}
        environment={workspaceCreationPolicy.environmentMode}
      />
      <Invitations invitations={invited} />
      <AdminWorkspaces workspaces={spaces.map((w) => ({ ...w, createdAt: w.createdAt.toISOString() }))} />
      <AdminShareLinks
        mode={sharing.mode}
        source={sharing.source}
        environment={shareLinkPolicy.environmentMode}
        overview={shared}
      />
      <AdminMcpServers servers={tools} workspaces={spaces.map(({ id, name }) => ({ id, name }))} />
      <AuditLog events={events.events} nextCursor={events.nextCursor} filters={filters} />
    </AdminUsers>
  );
}
