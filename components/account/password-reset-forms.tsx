"use client";

import Link from "next/link";
import { useState, type FormEvent, type ReactNode } from "react";
import { accountAuthClient } from "@/lib/client/account-auth-client";
import { useHydrated } from "@/lib/client/use-hydrated";
import { FormError, inputClass, primaryButton } from "./form-parts";

function Frame({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main className="flex min-h-dvh items-center justify-center p-4">
      <div className="w-full max-w-sm space-y-6">
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {children}
        <p className="text-sm">
          <Link href="/sign-in" className="underline">
            Back to sign in
          </Link>
        </p>
      </div>
    </main>
  );
}

export function RequestResetForm() {
  const hydrated = useHydrated();
  const [state, setState] = useState<"idle" | "pending" | "sent">("idle");

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setState("pending");
    const email = String(new FormData(event.currentTarget).get("email"));
    // The answer is the same whether or not the address has an account.
    await accountAuthClient.requestPasswordReset({ email, redirectTo: "/reset-password" });
    setState("sent");
  }

  return (
    <Frame title="Reset your password">
      {state === "sent" ? (
        <p role="status" className="text-sm">
          If an account uses that address, a link to choose a new password is on its way.
        </p>
      ) : (
        <form onSubmit={onSubmit} method="post" className="space-y-4">
          <label className="block space-y-1 text-sm font-medium">
            <span>Email</span>
            <input name="email" type="email" autoComplete="email" required className={inputClass} />
          </label>
          <button type="submit" className={primaryButton} disabled={!hydrated || state === "pending"}>
            Send reset link
          </button>
        </form>
      )}
    </Frame>
  );
}

export function ResetPasswordForm({ token, invalid }: { token: string | null; invalid: boolean }) {
  const hydrated = useHydrated();
  const [error, setError] = useState<string | null>(
    invalid || !token ? "This reset link is invalid or has expired." : null,
  );
  const [state, setState] = useState<"idle" | "pending" | "done">("idle");

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setState("pending");
    const newPassword = String(new FormData(event.currentTarget).get("password"));
    const { error } = await accountAuthClient.resetPassword({ newPassword, token: token! });
    if (error) {
      setError(error.message ?? "That did not work.");
      setState("idle");
      return;
    }
    setState("done");
  }

  return (
    <Frame title="Choose a new password">
      {state === "done" ? (
        <p role="status" className="text-sm">
          Your password is changed, and every device was signed out. Sign in with the new password.
        </p>
      ) : (
        <form onSubmit={onSubmit} method="post" className="space-y-4">
          <label className="block space-y-1 text-sm font-medium">
            <span>New password</span>
            <input
              name="password"
              type="password"
              autoComplete="new-password"
              minLength={8}
              required
              className={inputClass}
            />
          </label>
          <FormError message={error} />
          <button type="submit" className={primaryButton} disabled={!hydrated || !token || state === "pending"}>
            Set new password
          </button>
        </form>
      )}
    </Frame>
  );
}
