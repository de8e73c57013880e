import type { ComponentProps, ReactNode } from "react";
import { ResendVerificationButton } from "@/components/account/resend-verification-button";
import { SignOutButton } from "@/components/account/sign-out-button";
import { ChatApp } from "@/components/chat/chat-app";

/** What the chat pages show around their thread, decided on the server (app/chat-shell-state.ts). */
export type ChatShellState =
  | { screen: "database-not-set-up"; message: string }
  | { screen: "email-verification-pending"; email: string }
  | { screen: "pending-approval" }
  | ({ screen: "chat" } & Omit<ComponentProps<typeof ChatApp>, "children">);

/**
 * The signed-in chat around a page's thread (`/`, `/chat/:id` and their `/w/:slug` forms). Moving between threads never
 * leaves the page that was loaded: the address changes through the history API (see
 * ThreadUrlSync), so the chat runtime, and a reply streaming in it, stays. The not-found page is
 * not wrapped in it, so a missing thread never starts a runtime that would look for it.
 */
export function ChatShell({ state, children }: { state: ChatShellState; children: ReactNode }) {
  switch (state.screen) {
    case "database-not-set-up":
      return (
        <main className="p-8">
          <h1 className="text-lg font-semibold">Database not set up</h1>
          <p role="alert">{state.message}</p>
        </main>
      );
    case "email-verification-pending":
      return (
        <main className="flex min-h-dvh flex-col items-center justify-center gap-3 p-6 text-center">
          <h1 className="text-2xl font-semibold">Check your inbox</h1>
          <p className="max-w-md text-zinc-600 dark:text-zinc-400">
            We sent a link to <strong>{state.email}</strong>. Open it to confirm the address; you can chat once it is
            confirmed. No email? Look in the spam folder, or ask for a new link.
          </p>
          <ResendVerificationButton email={state.email} />
          <SignOutButton />
        </main>
      );
    case "pending-approval":
      return (
        <main className="flex min-h-dvh flex-col items-center justify-center gap-3 p-6 text-center">
          <h1 className="text-2xl font-semibold">Waiting for approval</h1>
          <p className="max-w-md text-zinc-600 dark:text-zinc-400">
            Your account is made. An admin of this instance approves new accounts; you can chat once they have.
          </p>
          <SignOutButton />
        </main>
      );
    case "chat":
      return (
        <ChatApp
          user={state.user}
          model={state.model}
          attachmentLimits={state.attachmentLimits}
          tools={state.tools}
          space={state.space}
        >
          {children}
        </ChatApp>
      );
  }
}
