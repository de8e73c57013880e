"use client";

import { accountAuthClient } from "@/lib/client/account-auth-client";
import { useAction } from "@/lib/client/use-action";
import { useHydrated } from "@/lib/client/use-hydrated";
import { primaryButton } from "./form-parts";

/** A new confirmation link for a signed-in account that has not confirmed its address yet. */
export function ResendVerificationButton({ email }: { email: string }) {
  const { pending, run, status } = useAction();
  const hydrated = useHydrated();
  return (
    <div className="w-full max-w-xs space-y-2">
      <button
        type="button"
        className={primaryButton}
        disabled={!hydrated || pending}
        onClick={() =>
          void run(
            () => accountAuthClient.sendVerificationEmail({ email, callbackURL: "/" }),
            "A new link is on its way. Check your inbox.",
          )
        }
      >
        Send the link again
      </button>
      {status}
    </div>
  );
}
