"use client";

import { useAui, useAuiState } from "@assistant-ui/react";
import { usePathname } from "next/navigation";
import { useEffect, useId, useState, type FormEvent, type MouseEvent } from "react";
import { readInSpace, usePageSpace } from "@/components/chat/runtime/space-guard";
import { projectsChangedEvent } from "@/components/chat/thread-project";
import { loadPage } from "@/lib/client/load-page";
import { projectApi } from "@/lib/client/project-api";
import { useHydrated } from "@/lib/client/use-hydrated";
import { workspaceApi } from "@/lib/client/workspace-api";
import { threadPath } from "@/lib/shared/chat-messages";
import type { ProjectJson, ProjectListItemJson } from "@/lib/shared/projects";

const focusRing = "focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-zinc-500";
const smallButton = `rounded px-1.5 py-0.5 text-xs text-zinc-600 hover:bg-zinc-200 hover:text-zinc-900 disabled:opacity-50 pointer-coarse:min-h-11 dark:text-zinc-400 dark:hover:bg-zinc-700 dark:hover:text-zinc-100 ${focusRing}`;

/** A click that means "here" (not a new tab or window): the runtime opens the thread in place. */
const plainClick = (event: MouseEvent) =>
  event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;

/**
 * The sidebar's "Projects": the projects of the page's space the person may see (GET /api/projects,
 * which lists the session's active space), each a link to its page with its newest threads under
 * it, and "New project". Read again when the address or the thread list changes, when a thread
 * moves between projects, and when the tab comes back into focus.
 */
export function ProjectList({ spacePath }: { spacePath: string }) {
  const aui = useAui();
  const pathname = usePathname();
  const openId = useAuiState((s) => s.threadListItem.remoteId);
  const listLoading = useAuiState((s) => s.threads.isLoading);
  const space = usePageSpace();
  const headingId = useId();
  const [projects, setProjects] = useState<ProjectListItemJson[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [reads, setReads] = useState(0);
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    if (listLoading) return;
    let current = true;
    readInSpace(
      space,
      () => projectApi.list(),
      (listed) => listed.projects.map((p) => p.workspaceId),
    ).then(
      (listed) => {
        if (!current) return;
        setProjects(listed.projects);
        setFailed(false);
      },
      () => current && setFailed(true),
    );
    return () => {
      current = false;
    };
  }, [pathname, listLoading, reads, space]);

  useEffect(() => {
    const again = () => setReads((n) => n + 1);
    const onFocus = () => document.visibilityState === "visible" && again();
    window.addEventListener("focus", onFocus);
    window.addEventListener(projectsChangedEvent, again);
    return () => {
      window.removeEventListener("focus", onFocus);
      window.removeEventListener(projectsChangedEvent, again);
    };
  }, []);

  const open = (event: MouseEvent, threadId: string) => {
    if (!plainClick(event)) return;
    event.preventDefault();
    aui.threads.switchToThread(threadId, { unarchive: false });
  };

  return (
    <section aria-labelledby={headingId} className="mb-3 border-b border-zinc-200 pb-2 dark:border-zinc-800">
      <div className="flex items-center justify-between gap-2 px-2 pt-1">
        <h2 id={headingId} className="text-xs font-medium text-zinc-500 dark:text-zinc-400">
          Projects
        </h2>
        {!creating && (
          <button type="button" className={smallButton} onClick={() => setCreating(true)}>
            New project
          </button>
        )}
      </div>
      {creating && <NewProjectForm workspaceId={space} onCancel={() => setCreating(false)} />}
      {failed && (
        <p role="alert" className="px-2 py-1 text-sm text-red-800 dark:text-red-300">
          Could not load projects.{" "}
          <button type="button" className={`underline ${focusRing}`} onClick={() => setReads((n) => n + 1)}>
            Try again
          </button>
        </p>
      )}
      {projects?.length === 0 && !creating && (
        <p className="px-2 py-1 text-sm text-zinc-500 dark:text-zinc-400">No projects yet.</p>
      )}
      {projects && projects.length > 0 && (
        <ul className="mt-1 space-y-1">
          {projects.map((project) => (
            <li key={project.id}>
              <a
                href={`/projects/${project.id}`}
                className={`flex items-center gap-1.5 truncate rounded-md px-2 py-1 text-sm font-medium hover:bg-zinc-100 pointer-coarse:min-h-11 dark:hover:bg-zinc-900 ${focusRing}`}
              >
                <svg
                  aria-hidden
                  viewBox="0 0 24 24"
                  className="size-4 shrink-0 text-zinc-500 dark:text-zinc-400"
                  fill="none"
                  stroke="currentColor"
                  strokeWidth="2"
                >
                  <path d="M3 7a2 2 0 0 1 2-2h4l2 2h8a2 2 0 0 1 2 2v8a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2z" />
                </svg>
                <span className="truncate">{project.name}</span>
              </a>
              {project.threads.length > 0 && (
                <ul className="ml-5 space-y-0.5 border-l border-zinc-200 pl-1 dark:border-zinc-800">
                  {project.threads.map((t) => (
                    <li key={t.id}>
                      <a
                        href={threadPath(t.id, spacePath)}
                        data-thread-trigger
                        aria-current={openId === t.id ? "page" : undefined}
                        onClick={(event) => open(event, t.id)}
                        className={`block truncate rounded-md px-2 py-1 text-sm text-zinc-700 hover:bg-zinc-100 aria-[current=page]:bg-zinc-200 aria-[current=page]:font-medium pointer-coarse:min-h-11 dark:text-zinc-300 dark:hover:bg-zinc-900 dark:aria-[current=page]:bg-zinc-800 ${focusRing}`}
                      >
                        {t.title || "New chat"}
                      </a>
                    </li>
                  ))}
                </ul>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/**
 * "New project": a name, then the project's page (where its instructions and files are added).
 * A project is made in the session's active space; if another tab moved the session, the one made
 * elsewhere is taken back and made again here, as a new thread is (see the thread list adapter).
 */
function NewProjectForm({ workspaceId, onCancel }: { workspaceId: string | null; onCancel: () => void }) {
  const hydrated = useHydrated();
  const inputId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const create = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get("name") ?? "").trim();
    if (!name) return;
    setBusy(true);
    setError(null);
    try {
      let project: ProjectJson = await projectApi.create({ name });
      if (project.workspaceId !== workspaceId) {
        await projectApi.remove(project.id).catch(() => {});
        await workspaceApi.setActive(workspaceId);
        project = await projectApi.create({ name });
        if (project.workspaceId !== workspaceId)
          throw new Error("The project was made in another space: reload the page.");
      }
      loadPage(`/projects/${project.id}`);
    } catch (thrown) {
      setError(thrown instanceof Error ? thrown.message : "The project could not be made.");
      setBusy(false);
    }
  };

  return (
    <form onSubmit={create} className="mt-1 space-y-1.5 px-2">
      <label htmlFor={inputId} className="block text-xs text-zinc-600 dark:text-zinc-400">
        Project name
      </label>
      <input
        id={inputId}
        name="name"
        required
        maxLength={100}
        autoFocus
        autoComplete="off"
        disabled={!hydrated}
        onKeyDown={(event) => {
          if (event.key === "Escape") onCancel();
        }}
        className="w-full rounded border border-zinc-400 bg-white px-1.5 py-1 text-sm outline-none focus:border-zinc-600 focus:ring-2 focus:ring-zinc-500/50 dark:border-zinc-600 dark:bg-zinc-900 dark:focus:border-zinc-400"
      />
      <div className="flex gap-1">
        <button
          type="submit"
          disabled={!hydrated || busy}
          className={`rounded-md bg-zinc-900 px-2 py-1 text-xs font-medium text-white hover:bg-zinc-700 disabled:opacity-50 pointer-coarse:min-h-11 dark:bg-zinc-100 dark:text-zinc-900 ${focusRing}`}
        >
          Create project
        </button>
        <button type="button" className={smallButton} onClick={onCancel}>
          Cancel
        </button>
      </div>
      {error && (
        <p role="alert" className="text-xs text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </form>
  );
}
