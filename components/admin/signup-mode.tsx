"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { api } from "@/lib/client/api-client";
import { signupModes, type SignupMode } from "@/lib/shared/signup-modes";
import { useHydrated } from "@/lib/client/use-hydrated";

const labels: Record<SignupMode, string> = {
  open: "Open: anyone can sign up",
  approval: "Approval: new accounts wait for an admin",
  invite: "Invitation only",
  closed: "Closed: no new accounts",
};

/** The sign-up policy: an admin's pick wins over SIGNUP_MODE until reset. */
export function SignupModeControl({
  mode,
  source,
  environment,
}: {
  mode: SignupMode;
  source: "admin" | "environment";
  environment: SignupMode;
}) {
  const hydrated = useHydrated();
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const change = (next: SignupMode | null) =>
    startTransition(async () => {
      setError(null);
      await api.admin.setSignupMode(next).then(
        () => router.refresh(),
        (thrown: Error) => setError(thrown.message),
      );
    });
  return (
    <section
      aria-labelledby="signup-policy"
      className="space-y-2 rounded-lg border border-zinc-200 p-4 dark:border-zinc-800"
    >
      <h2 id="signup-policy" className="font-semibold">
        Who may sign up
      </h2>
      <label className="flex flex-wrap items-center gap-2 text-sm">
        <span>Sign-up mode</span>
        <select
          value={mode}
          disabled={!hydrated || pending}
          onChange={(e) => change(e.target.value as SignupMode)}
          className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900"
        >
          {signupModes.map((m) => (
            <option key={m} value={m}>
              {labels[m]}
            </option>
          ))}
        </select>
      </label>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {source === "admin" ? (
          <>
            Set here; <code>SIGNUP_MODE</code> says {environment}.{" "}
            <button type="button" className="underline" disabled={!hydrated || pending} onClick={() => change(null)}>
              Reset to the environment
            </button>
          </>
        ) : (
          <>
            From <code>SIGNUP_MODE</code> (or its default).
          </>
        )}
      </p>
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </section>
  );
}
