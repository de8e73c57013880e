import type { ComponentProps } from "react";
import { AuthForm } from "@/components/account/auth-form";

/** What /sign-in and /sign-up show, decided on the server (app/auth-page-state.ts). */
export type AuthPageState =
  | { screen: "sign-up-closed" }
  | { screen: "invitation-needed" }
  | { screen: "form"; form: ComponentProps<typeof AuthForm> };

/** Shared by /sign-in and /sign-up: the form, or why sign-up is not open to this visitor. */
export function AuthPage({ state }: { state: AuthPageState }) {
  if (state.screen === "form") return <AuthForm {...state.form} />;
  const closed = state.screen === "sign-up-closed";
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-3 p-6 text-center">
      <h1 className="text-2xl font-semibold">{closed ? "Sign-up is closed" : "Sign-up needs an invitation"}</h1>
      <p className="text-zinc-600 dark:text-zinc-400">
        {closed ? "This instance does not take new accounts." : "Ask an admin of this instance for an invitation link."}
      </p>
      <a href="/sign-in" className="text-sm underline">
        Sign in
      </a>
    </main>
  );
}
