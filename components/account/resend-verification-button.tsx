"use client";

import { sessionClient } from "@/lib/client/session-client";
import { useAction } from "@/lib/client/use-action";
import { useHydrated } from "@/lib/client/use-hydrated";
import { primaryButton } from "./form-parts";

/**
 * A new confirmation link for a signed-in account that has not confirmed its address yet. The chat
 * screen shows it (components/chat/chat-shell.tsx), so it uses the client without plugins: the
 * endpoint is better-auth's own, and the account plugins would otherwise be in the chat's first load.
 */
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
            () => sessionClient.sendVerificationEmail({ email, callbackURL: "/" }),
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
