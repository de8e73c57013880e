"use client";

import { useAui } from "@assistant-ui/react";
import { useEffect, useRef } from "react";
import { sessionClient } from "@/lib/client/session-client";

/**
 * Reloads the thread list whenever the signed-in user changes (sign-out or another account in
 * another tab), so no list fetched for one user stays on screen for the next. Signed out, it
 * leaves for the sign-in page.
 */
export function ReloadOnAuth({ initialUserId }: { initialUserId: string }) {
  const aui = useAui();
  const { data, isPending } = sessionClient.useSession();
  const userId = isPending ? initialUserId : (data?.user.id ?? null);
  const shownFor = useRef(initialUserId);

  useEffect(() => {
    if (userId === shownFor.current) return;
    shownFor.current = userId ?? "";
    aui.threads.reload();
    // A full page load, so nothing of the previous user stays in memory.
    // eslint-disable-next-line @next/next/no-location-assign-relative-destination
    if (!userId) window.location.assign("/sign-in");
  }, [aui, userId]);

  return null;
}
