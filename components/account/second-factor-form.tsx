"use client";

import { useState, type FormEvent } from "react";
import { accountAuthClient } from "@/lib/client/account-auth-client";
import { FormError, inputClass, primaryButton } from "./form-parts";

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
      ? await accountAuthClient.twoFactor.verifyBackupCode({ code, trustDevice })
      : await accountAuthClient.twoFactor.verifyTotp({ code, trustDevice });
    if (error) {
      setError(
        error.status === 429
          ? `${error.message ?? "Too many attempts."} Wait a while before trying again.`
          : (error.message ?? "That code did not work."),
      );
      setPending(false);
      return;
    }
    window.location.assign(callbackURL);
  }

  return (
    <form onSubmit={onSubmit} method="post" className="space-y-4" aria-busy={pending}>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {backup
          ? "Enter one of the backup codes you saved. Each works once."
          : "Enter the 6-digit code from your authenticator app."}
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
      <FormError message={error} />
      <button type="submit" disabled={pending} className={primaryButton}>
        Verify
      </button>
      <button
        type="button"
        className="text-sm text-zinc-600 underline dark:text-zinc-400"
        onClick={() => (setBackup(!backup), setError(null))}
      >
        {backup ? "Use a code from the app instead" : "Use a backup code instead"}
      </button>
    </form>
  );
}
