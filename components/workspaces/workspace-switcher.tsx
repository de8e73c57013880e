"use client";

import { useRouter } from "next/navigation";
import { useState, useTransition } from "react";
import { loadPage } from "@/lib/client/load-page";
import { useHydrated } from "@/lib/client/use-hydrated";
import { workspaceApi } from "@/lib/client/workspace-api";
import { spacePath, type WorkspaceJson } from "@/lib/shared/workspaces";

const personal = "personal";
const newWorkspace = "new";
const settings = "settings";
const workspaceValue = (id: string) => `workspace:${id}`;

/**
 * The space switcher: Personal and each workspace the person is in, "New workspace" when they may
 * create one, and the active workspace's settings. Choosing a space opens its page (`/` or
 * `/w/:slug`), which makes it the session's active one as it renders on the server, and brings a
 * chat runtime of its own (ChatApp keys it by space): the previous space's list is never shown
 * under the new one's name. The list of spaces comes with the page (no flash) and is read again
 * from GET /api/workspaces when the menu gets focus.
 */
export function WorkspaceSwitcher({
  active,
  workspaces: initialWorkspaces,
  canCreate: initialCanCreate,
}: {
  active: WorkspaceJson | null;
  workspaces: WorkspaceJson[];
  canCreate: boolean;
}) {
  const hydrated = useHydrated();
  const router = useRouter();
  const [moving, startMoving] = useTransition();
  const [workspaces, setWorkspaces] = useState(initialWorkspaces);
  const [canCreate, setCanCreate] = useState(initialCanCreate);
  const [value, setValue] = useState(active ? workspaceValue(active.id) : personal);

  const refresh = () =>
    void workspaceApi.list().then(
      (listed) => {
        setWorkspaces(listed.workspaces);
        setCanCreate(listed.canCreate);
      },
      // The page's own list stays: it was right when the page was made.
      () => {},
    );

  const choose = (chosen: string) => {
    if (chosen === newWorkspace) return loadPage("/workspaces/new");
    if (chosen === settings && active) return loadPage(`${spacePath(active)}/settings`);
    const target = chosen === personal ? null : workspaces.find((w) => workspaceValue(w.id) === chosen);
    if (target === undefined) return;
    setValue(chosen);
    startMoving(() => router.push(spacePath(target) || "/"));
  };

  // The active workspace stays listed even if a refresh no longer has it (its page was made for it).
  const listed = active && !workspaces.some((w) => w.id === active.id) ? [active, ...workspaces] : workspaces;
  return (
    <div className="px-2 pt-2">
      <select
        aria-label="Workspace"
        value={value}
        disabled={!hydrated || moving}
        aria-busy={moving}
        onFocus={refresh}
        onChange={(event) => choose(event.target.value)}
        className="w-full rounded-md border border-zinc-300 bg-white px-2 py-1.5 text-sm font-medium pointer-coarse:min-h-11 dark:border-zinc-700 dark:bg-zinc-900"
      >
        <optgroup label="Spaces">
          <option value={personal}>Personal</option>
          {listed.map((w) => (
            <option key={w.id} value={workspaceValue(w.id)}>
              {w.name}
            </option>
          ))}
        </optgroup>
        {(canCreate || active) && (
          <optgroup label="Workspaces">
            {canCreate && <option value={newWorkspace}>New workspace</option>}
            {active && <option value={settings}>Workspace settings</option>}
          </optgroup>
        )}
      </select>
    </div>
  );
}
