"use client";

import { useState } from "react";
import { primaryButton } from "@/components/account/form-parts";
import { loadPage } from "@/lib/client/load-page";
import { useHydrated } from "@/lib/client/use-hydrated";
import { workspaceApi } from "@/lib/client/workspace-api";
import { spacePath } from "@/lib/shared/workspaces";

/** Accepts the invitation for the signed-in person, then opens the workspace (its page makes it the active space). */
export function AcceptInvitationButton({ invitationId }: { invitationId: string }) {
  const hydrated = useHydrated();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const accept = async () => {
    setPending(true);
    setError(null);
    try {
      loadPage(spacePath(await workspaceApi.acceptInvitation(invitationId)));
    } catch (thrown) {
      setError(thrown instanceof Error ? thrown.message : "Accepting did not work.");
      setPending(false);
    }
  };
  return (
    <div className="w-full max-w-xs space-y-2">
      <button type="button" className={primaryButton} disabled={!hydrated || pending} onClick={() => void accept()}>
        Accept invitation
      </button>
      {error && (
        <p role="alert" className="text-sm text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}
