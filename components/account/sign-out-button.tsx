"use client";

import { useState } from "react";
import { sessionClient } from "@/lib/client/session-client";
import { useHydrated } from "@/lib/client/use-hydrated";

export function SignOutButton() {
  const [pending, setPending] = useState(false);
  // Disabled until hydrated: a click before then would do nothing at all.
  const hydrated = useHydrated();
  return (
    <button
      type="button"
      disabled={pending || !hydrated}
      onClick={async () => {
        setPending(true);
        await sessionClient.signOut();
        // A full page load, so no client state of this user (threads, messages) outlives the session.
        // eslint-disable-next-line @next/next/no-location-assign-relative-destination
        window.location.assign("/sign-in");
      }}
      className="rounded-md px-2 py-1 text-sm text-zinc-600 hover:bg-zinc-100 hover:text-zinc-900 disabled:opacity-60 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100"
    >
      Sign out
    </button>
  );
}
