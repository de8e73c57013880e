import type { ReactNode } from "react";
import { redirect } from "next/navigation";
import { ResendVerificationButton } from "@/components/account/resend-verification-button";
import { SignOutButton } from "@/components/account/sign-out-button";
import { ChatApp } from "@/components/chat/chat-app";
import { isDatabaseNotMigrated } from "@/lib/db/database";
import { getModel } from "@/lib/chat/models";
import { limits } from "@/lib/http/limits";
import { isAdmin, isEmailVerificationPending, isPendingApproval } from "@/lib/auth/session";
import { getPageSession } from "@/lib/http/caller";

/**
 * The signed-in chat around a page's thread (`/` and `/chat/:id`). Moving between threads never
 * leaves the page that was loaded: the address changes through the history API (see
 * ThreadUrlSync), so the chat runtime, and a reply streaming in it, stays. The not-found page is
 * not wrapped in it, so a missing thread never starts a runtime that would look for it.
 */
export async function ChatShell({ children }: { children: ReactNode }) {
  let session;
  try {
    session = await getPageSession();
  } catch (error) {
    if (isDatabaseNotMigrated(error)) {
      return (
        <main className="p-8">
          <h1 className="text-lg font-semibold">Database not set up</h1>
          <p role="alert">{error.message}</p>
        </main>
      );
    }
    throw error;
  }
  // Only for a session the database no longer has (the proxy already sent cookie-less visitors).
  if (!session) redirect("/sign-in");
  // Before approval: an admin approving an address nobody has proven is theirs would approve a claim.
  if (isEmailVerificationPending(session)) {
    return (
      <main className="flex min-h-dvh flex-col items-center justify-center gap-3 p-6 text-center">
        <h1 className="text-2xl font-semibold">Check your inbox</h1>
        <p className="max-w-md text-zinc-600 dark:text-zinc-400">
          We sent a link to <strong>{session.user.email}</strong>. Open it to confirm the address; you can chat once it is confirmed.
          No email? Look in the spam folder, or ask for a new link.
        </p>
        <ResendVerificationButton email={session.user.email} />
        <SignOutButton />
      </main>
    );
  }
  if (isPendingApproval(session)) {
    return (
      <main className="flex min-h-dvh flex-col items-center justify-center gap-3 p-6 text-center">
        <h1 className="text-2xl font-semibold">Waiting for approval</h1>
        <p className="max-w-md text-zinc-600 dark:text-zinc-400">
          Your account is made. An admin of this instance approves new accounts; you can chat once they have.
        </p>
        <SignOutButton />
      </main>
    );
  }

  const model = getModel();
  return (
    <ChatApp
      user={{ id: session.user.id, name: session.user.name, isAdmin: isAdmin(session) }}
      model={{ label: model.label, isDemo: model.mode === "demo", offered: model.offered }}
      attachmentLimits={{ maxBytes: limits.maxAttachmentBytes, maxCount: limits.maxAttachmentsPerMessage }}
    >
      {children}
    </ChatApp>
  );
}
