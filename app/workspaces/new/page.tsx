import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";
import { NewWorkspaceForm } from "@/components/workspaces/new-workspace-form";
import { signInPathFor } from "@/lib/auth/safe-redirect";
import { isEmailVerificationPending, isPendingApproval } from "@/lib/auth/session";
import { getPageSession } from "@/lib/http/caller";
import { workspaceCreationPolicy } from "@/lib/workspaces/creation-policy";

export const metadata: Metadata = { title: "New workspace · Threadkeeper" };

/** `/workspaces/new`: the form, or, where only admins create workspaces, a page that says so. */
export default async function NewWorkspacePage() {
  const session = await getPageSession();
  if (!session) redirect(signInPathFor("/workspaces/new"));
  // The chat page says why such an account cannot do anything yet.
  if (isEmailVerificationPending(session) || isPendingApproval(session)) redirect("/");
  const allowed = await workspaceCreationPolicy.mayCreate(session.user);
  return (
    <main className="mx-auto max-w-md space-y-6 p-4 sm:p-8">
      <div className="flex items-center justify-between gap-2">
        <h1 className="text-2xl font-semibold">New workspace</h1>
        <Link href="/" prefetch={false} className="text-sm underline">
          Back to chats
        </Link>
      </div>
      {allowed ? (
        <NewWorkspaceForm />
      ) : (
        <p role="status" className="text-zinc-700 dark:text-zinc-300">
          Only admins can create workspaces on this instance. Ask an admin to create one and invite you.
        </p>
      )}
    </main>
  );
}
