"use client";

import { useAui, useAuiState } from "@assistant-ui/react";
import { usePathname } from "next/navigation";
import { useEffect, useId, useState } from "react";
import { readInSpace, usePageSpace } from "@/components/chat/runtime/space-guard";
import { useOwnThread } from "@/components/chat/runtime/thread-owner";
import { api, type ApiThread } from "@/lib/client/api-client";
import { projectApi } from "@/lib/client/project-api";
import { useHydrated } from "@/lib/client/use-hydrated";
import { threadIdFromPath } from "@/lib/shared/chat-messages";
import type { ProjectListItemJson, ThreadInstructionsJson } from "@/lib/shared/projects";

const focusRing = "focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-zinc-500";

/** Told when a thread moves between projects, so the sidebar's Projects read their threads again. */
export const projectsChangedEvent = "threadkeeper:projects-changed";

export const announceProjectsChanged = () => window.dispatchEvent(new Event(projectsChangedEvent));

type Loaded = {
  /** The thread these belong to (null: a new thread, not saved yet). */
  threadId: string | null;
  instructions: ThreadInstructionsJson;
  projectId: string | null;
};

/**
 * Above the author's own thread: the instructions its replies follow, folded ("Instructions":
 * their personal ones from /account, then its project's), so nothing the model is told is hidden
 * from them; and "Project", which moves the thread into a project of its space or out of one. A
 * thread not saved yet is saved first when a project is picked (its project is stored with it).
 * Nothing for someone else's thread shared with the caller.
 */
export function ThreadProjectBar({ initial }: { initial: ApiThread | null }) {
  const aui = useAui();
  const hydrated = useHydrated();
  const own = useOwnThread();
  const remoteId = useAuiState((s) => s.threadListItem.remoteId) ?? null;
  const urlId = threadIdFromPath(usePathname());
  const space = usePageSpace();
  const selectId = useId();
  const [projects, setProjects] = useState<ProjectListItemJson[] | null>(null);
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [reads, setReads] = useState(0);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!own) return;
    let current = true;
    // The server lists the session's active space's projects: another space's are never offered.
    readInSpace(
      space,
      () => projectApi.list(),
      (listed) => listed.projects.map((p) => p.workspaceId),
    ).then(
      (listed) => current && setProjects(listed.projects),
      () => {},
    );
    return () => {
      current = false;
    };
  }, [own, space, reads]);

  // While the runtime is still opening the thread the address names, there is nothing to read yet.
  const opening = urlId !== null && urlId !== remoteId;
  useEffect(() => {
    if (!own || opening) return;
    let current = true;
    const read = async (): Promise<Loaded> => {
      if (!remoteId) {
        const { instructions } = await projectApi.personalInstructions();
        return { threadId: null, instructions: { personal: instructions || null, project: null }, projectId: null };
      }
      const [instructions, thread] = await Promise.all([
        projectApi.threadInstructions(remoteId),
        initial?.id === remoteId && reads === 0 ? initial : api.getThread(remoteId),
      ]);
      return { threadId: remoteId, instructions, projectId: thread.projectId ?? null };
    };
    read().then(
      (next) => current && setLoaded(next),
      () => {},
    );
    return () => {
      current = false;
    };
  }, [own, opening, remoteId, initial, reads]);

  // While the runtime is still opening the thread the address names, it holds another (or none):
  // nothing is offered that would act on that one.
  if (!own || opening) return null;
  const shown = loaded?.threadId === remoteId ? loaded : null;
  const projectId = shown?.projectId ?? null;
  const listed = projects ?? [];
  // The thread's project stays offered even when the list has not come (or no longer has it).
  const options =
    projectId && shown?.instructions.project && !listed.some((p) => p.id === projectId)
      ? [{ id: projectId, name: shown.instructions.project.name }, ...listed]
      : listed;
  const personal = shown?.instructions.personal?.trim() ? shown.instructions.personal : null;
  const project = shown?.instructions.project?.instructions.trim() ? shown.instructions.project : null;
  if (options.length === 0 && !personal && !project) return null;

  const move = async (next: string | null) => {
    setPending(true);
    setError(null);
    try {
      const { remoteId: threadId } = await aui.threadListItem().initialize();
      const moved = await projectApi.setThreadProject(threadId, next);
      setLoaded((before) =>
        before && before.threadId === threadId ? { ...before, projectId: moved.projectId } : before,
      );
      setReads((n) => n + 1);
      announceProjectsChanged();
    } catch (thrown) {
      setError(thrown instanceof Error ? thrown.message : "The thread could not be moved.");
    } finally {
      setPending(false);
    }
  };

  return (
    <div className="flex flex-wrap items-start gap-x-3 gap-y-1 border-b border-zinc-200 px-4 py-1.5 text-sm dark:border-zinc-800">
      {personal || project ? (
        <details className="min-w-0 flex-1">
          <summary className={`cursor-pointer py-0.5 text-zinc-600 select-none dark:text-zinc-400 ${focusRing}`}>
            Instructions
          </summary>
          <div className="mt-1 max-h-64 space-y-2 overflow-y-auto pb-1">
            {personal && (
              <section>
                <h3 className="text-xs font-medium text-zinc-500 dark:text-zinc-400">Your instructions</h3>
                <p className="break-words whitespace-pre-wrap">{personal}</p>
              </section>
            )}
            {project && (
              <section>
                <h3 className="text-xs font-medium text-zinc-500 dark:text-zinc-400">Project: {project.name}</h3>
                <p className="break-words whitespace-pre-wrap">{project.instructions}</p>
              </section>
            )}
          </div>
        </details>
      ) : (
        <span className="flex-1" />
      )}
      {options.length > 0 && (
        <div className="flex items-center gap-2">
          <label htmlFor={selectId} className="text-zinc-600 dark:text-zinc-400">
            Project
          </label>
          <select
            id={selectId}
            value={projectId ?? ""}
            disabled={!hydrated || pending || (remoteId !== null && !shown)}
            aria-busy={pending}
            onChange={(event) => void move(event.target.value || null)}
            className="max-w-48 rounded-md border border-zinc-300 bg-white px-2 py-0.5 text-sm pointer-coarse:min-h-11 dark:border-zinc-700 dark:bg-zinc-900"
          >
            <option value="">No project</option>
            {options.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </div>
      )}
      {error && (
        <p role="alert" className="w-full text-red-700 dark:text-red-400">
          {error}
        </p>
      )}
    </div>
  );
}
