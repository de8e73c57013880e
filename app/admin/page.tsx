import type { Metadata } from "next";
import { notFound, redirect } from "next/navigation";
import { AdminUsers } from "@/components/admin/admin-users";
import { Invitations } from "@/components/admin/invitations";
import { SignupModeControl } from "@/components/admin/signup-mode";
import { invitations } from "@/lib/invitations";
import { signupPolicy } from "@/lib/signup-policy";
import { adminUsers } from "@/lib/admin-users";
import { signInPathFor } from "@/lib/safe-redirect";
import { getPageSession } from "@/lib/session";

export const metadata: Metadata = { title: "Admin · Threadkeeper" };

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** Admins only; for anyone else it is the same 404 page as an unknown address. */
export default async function AdminPage({ searchParams }: Props) {
  const session = await getPageSession();
  if (!session) redirect(signInPathFor("/admin"));
  if ((session.user as { role?: string | null }).role !== "admin") notFound();
  const params = await searchParams;
  const one = (v: string | string[] | undefined) => (typeof v === "string" ? v : undefined);
  const q = one(params.q) ?? "";
  const [page, signup, invited] = await Promise.all([adminUsers.listUsers({ q, after: one(params.after) }), signupPolicy.current(), invitations.list()]);
  return (
    <AdminUsers me={session.user.id} q={q} users={page.users} nextCursor={page.nextCursor}>
      <SignupModeControl mode={signup.mode} source={signup.source} environment={signupPolicy.defaults.mode} />
      <Invitations invitations={invited} />
    </AdminUsers>
  );
}
