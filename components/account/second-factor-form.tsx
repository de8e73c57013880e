"use client";

import { useState, type FormEvent } from "react";
import { authClient } from "@/lib/auth-client";

const inputClass =
  "w-full rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm outline-none focus:border-zinc-500 focus:ring-2 focus:ring-zinc-200 dark:border-zinc-700 dark:bg-zinc-900 dark:focus:ring-zinc-800";

/** The second step of a password sign-in on an account with two-factor: a code from the app, or a backup code. */
export function SecondFactorForm({ callbackURL }: { callbackURL: string }) {
  const [backup, setBackup] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const code = String(form.get("code") ?? "").replace(/\s+/g, "");
    const trustDevice = form.get("trustDevice") === "on";
    setPending(true);
    setError(null);
    const { error } = backup
      ? await authClient.twoFactor.verifyBackupCode({ code, trustDevice })
      : await authClient.twoFactor.verifyTotp({ code, trustDevice });
    if (error) {
      setError(error.status === 429 ? `${error.message ?? "Too many attempts."} Wait a while before trying again.` : (error.message ?? "That code did not work."));
      setPending(false);
      return;
    }
    window.location.assign(callbackURL);
  }

  return (
    <form onSubmit={onSubmit} method="post" className="space-y-4" aria-busy={pending}>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {backup ? "Enter one of the backup codes you saved. Each works once." : "Enter the 6-digit code from your authenticator app."}
      </p>
      <label className="block space-y-1 text-sm font-medium">
        <span>{backup ? "Backup code" : "Authentication code"}</span>
        <input
          key={backup ? "backup" : "totp"}
          name="code"
          required
          autoFocus
          autoComplete="one-time-code"
          inputMode={backup ? "text" : "numeric"}
          pattern={backup ? undefined : "[0-9 ]{6,7}"}
          maxLength={backup ? 40 : 7}
          className={inputClass}
        />
      </label>
      <label className="flex items-center gap-2 text-sm">
        <input name="trustDevice" type="checkbox" />
        <span>Trust this device for 30 days</span>
      </label>
      {error && (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700 dark:bg-red-950 dark:text-red-300">
          {error}
        </p>
      )}
      <button
        type="submit"
        disabled={pending}
        className="w-full rounded-md bg-zinc-900 px-3 py-2 text-sm font-medium text-white hover:bg-zinc-700 disabled:opacity-60 dark:bg-zinc-100 dark:text-zinc-900"
      >
        Verify
      </button>
      <button type="button" className="text-sm text-zinc-600 underline dark:text-zinc-400" onClick={() => (setBackup(!backup), setError(null))}>
        {backup ? "Use a code from the app instead" : "Use a backup code instead"}
      </button>
    </form>
  );
}
