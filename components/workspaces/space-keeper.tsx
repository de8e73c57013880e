"use client";

import { useEffect } from "react";
import { workspaceApi } from "@/lib/client/workspace-api";

/**
 * Keeps the session in the space this page shows while the person uses it. The session has one
 * active space, and another tab (or a page restored by Back without the server) may have moved
 * it; the tab the person comes back to makes its own space active again, so the list, search and
 * new threads they ask for next are this space's. The server writes nothing when it is unchanged.
 */
export function SpaceKeeper({ workspaceId }: { workspaceId: string | null }) {
  useEffect(() => {
    const keep = () => void workspaceApi.setActive(workspaceId).catch(() => {});
    const onFocus = () => document.visibilityState === "visible" && keep();
    const onPageShow = (event: PageTransitionEvent) => event.persisted && keep();
    window.addEventListener("focus", onFocus);
    window.addEventListener("pageshow", onPageShow);
    return () => {
      window.removeEventListener("focus", onFocus);
      window.removeEventListener("pageshow", onPageShow);
    };
  }, [workspaceId]);
  return null;
}
