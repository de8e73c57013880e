"use client";

import { useEffect, useId, useRef, useState, type ChangeEvent, type FormEvent } from "react";
import { Section, button, input } from "@/components/account/section";
import type { ApiThread } from "@/lib/client/api-client";
import { loadPage } from "@/lib/client/load-page";
import { projectApi } from "@/lib/client/project-api";
import { ActionMessage, useAction } from "@/lib/client/use-action";
import { useHydrated } from "@/lib/client/use-hydrated";
import { workspaceApi } from "@/lib/client/workspace-api";
import { threadPath } from "@/lib/shared/chat-messages";
import type { ProjectFileJson, ProjectFileStatus, ProjectJson } from "@/lib/shared/projects";

const dangerButton =
  "rounded-md border border-red-300 px-3 py-1.5 text-sm font-medium text-red-700 hover:bg-red-50 disabled:opacity-50 dark:border-red-800 dark:text-red-400 dark:hover:bg-red-950";
const primaryButton =
  "rounded-md bg-zinc-900 px-3 py-1.5 text-sm font-medium text-white hover:bg-zinc-700 disabled:opacity-50 dark:bg-zinc-100 dark:text-zinc-900 dark:hover:bg-zinc-300";

/** How often the file list is read again while a file is waiting for, or in, indexing. */
const pollMs = 1500;

/** The space a project lives in: its workspace (id, name) or the personal space, and its address ("" personal). */
export type ProjectSpace = { workspaceId: string | null; name: string | null; path: string };

const bytes = (n: number) =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;

const statusLabel: Record<ProjectFileStatus, string> = {
  queued: "Queued",
  indexing: "Indexing",
  indexed: "Indexed",
  failed: "Failed",
};

const fileState = (file: ProjectFileJson) =>
  file.status === "failed" ? `Failed: ${file.error ?? "the file could not be read."}` : statusLabel[file.status];

const waiting = (files: ProjectFileJson[]) => files.some((f) => f.status === "queued" || f.status === "indexing");

/**
 * `/projects/:id`. Controls the person may not use are not offered: editing (name, instructions,
 * files, delete) is for its editors (`project.canEdit`, the API decides again); every one who sees
 * it reads its instructions and files and starts threads in it.
 */
export function ProjectView({
  project: initialProject,
  files: initialFiles,
  threads,
  space,
  limits,
}: {
  project: ProjectJson;
  files: ProjectFileJson[];
  threads: ApiThread[];
  space: ProjectSpace;
  limits: { maxInstructionsChars: number; maxFileBytes: number };
}) {
  const [project, setProject] = useState(initialProject);
  return (
    <main className="mx-auto max-w-3xl space-y-6 p-4 sm:p-8">
      <div className="space-y-1">
        <div className="flex flex-wrap items-start justify-between gap-2">
          <h1 className="min-w-0 text-2xl font-semibold break-words">{project.name}</h1>
          <a href={space.path || "/"} className="text-sm underline">
            Back to chats
          </a>
        </div>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {space.name ? `Workspace project in ${space.name}` : "Personal project"} · made by {project.creatorName}
        </p>
      </div>
      {project.canEdit ? (
        <SettingsSection project={project} maxChars={limits.maxInstructionsChars} onSaved={setProject} />
      ) : (
        <Section title="Instructions">
          {project.instructions.trim() ? (
            <p className="text-sm break-words whitespace-pre-wrap">{project.instructions}</p>
          ) : (
            <p className="text-sm text-zinc-500 dark:text-zinc-400">This project has no instructions.</p>
          )}
        </Section>
      )}
      <FilesSection
        projectId={project.id}
        initial={initialFiles}
        canEdit={project.canEdit}
        maxFileBytes={limits.maxFileBytes}
      />
      <ThreadsSection project={project} threads={threads} space={space} />
      {project.canEdit && <DeleteSection project={project} space={space} />}
    </main>
  );
}

function SettingsSection({
  project,
  maxChars,
  onSaved,
}: {
  project: ProjectJson;
  maxChars: number;
  onSaved: (project: ProjectJson) => void;
}) {
  const hydrated = useHydrated();
  const save = useAction();
  const nameId = useId();
  const instructionsId = useId();
  const hintId = useId();

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const name = String(form.get("name") ?? "").trim();
    const instructions = String(form.get("instructions") ?? "");
    const result: { saved?: ProjectJson } = {};
    await save.run(async () => {
      result.saved = await projectApi.update(project.id, { name, instructions });
    }, "Saved.");
    if (result.saved) onSaved(result.saved);
  };

  return (
    <Section title="Project">
      <form onSubmit={submit} className="space-y-3">
        <div className="space-y-1 text-sm">
          <label htmlFor={nameId} className="block">
            Project name
          </label>
          <input
            id={nameId}
            name="name"
            defaultValue={project.name}
            required
            maxLength={100}
            autoComplete="off"
            className={input}
          />
        </div>
        <div className="space-y-1 text-sm">
          <label htmlFor={instructionsId} className="block">
            Instructions
          </label>
          <textarea
            id={instructionsId}
            name="instructions"
            defaultValue={project.instructions}
            maxLength={maxChars}
            rows={6}
            aria-describedby={hintId}
            className={`${input} resize-y`}
          />
          <p id={hintId} className="text-xs text-zinc-500 dark:text-zinc-400">
            Every thread in this project starts from these (after each person&apos;s own instructions). At most{" "}
            {maxChars.toLocaleString("en")} characters.
          </p>
        </div>
        <button type="submit" className={button} disabled={!hydrated || save.pending}>
          Save project
        </button>
        {save.status}
      </form>
    </Section>
  );
}

function FilesSection({
  projectId,
  initial,
  canEdit,
  maxFileBytes,
}: {
  projectId: string;
  initial: ProjectFileJson[];
  canEdit: boolean;
  maxFileBytes: number;
}) {
  const hydrated = useHydrated();
  const inputId = useId();
  const hintId = useId();
  const picker = useRef<HTMLInputElement>(null);
  const [files, setFiles] = useState(initial);
  const [uploading, setUploading] = useState<string | null>(null);
  const [removing, setRemoving] = useState<string | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [reads, setReads] = useState(0);
  const busy = waiting(files);

  // While any file waits for indexing or is being indexed, the list is read again (the work is
  // done in the background, by whichever instance claims it).
  useEffect(() => {
    if (!busy) return;
    let current = true;
    const timer = setTimeout(() => {
      projectApi.listFiles(projectId).then(
        (listed) => current && setFiles(listed.files),
        () => current && setReads((n) => n + 1),
      );
    }, pollMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [busy, files, projectId, reads]);

  const upload = async (event: ChangeEvent<HTMLInputElement>) => {
    const chosen = [...(event.currentTarget.files ?? [])];
    event.currentTarget.value = "";
    setMessage(null);
    for (const file of chosen) {
      setUploading(file.name);
      try {
        const added = await projectApi.uploadFile(projectId, file);
        setFiles((before) => [...before.filter((f) => f.id !== added.id), added]);
        setMessage({ ok: true, text: `${file.name} added.` });
      } catch (thrown) {
        setMessage({ ok: false, text: `${file.name}: ${thrown instanceof Error ? thrown.message : "not added."}` });
        break;
      } finally {
        setUploading(null);
      }
    }
    picker.current?.focus();
  };

  const remove = async (file: ProjectFileJson) => {
    setRemoving(file.id);
    setMessage(null);
    try {
      await projectApi.removeFile(projectId, file.id);
      setFiles((before) => before.filter((f) => f.id !== file.id));
      setMessage({ ok: true, text: `${file.name} removed.` });
    } catch (thrown) {
      setMessage({ ok: false, text: thrown instanceof Error ? thrown.message : "The file could not be removed." });
    } finally {
      setRemoving(null);
    }
  };

  return (
    <Section title="Files">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        The passages of these files that fit a message best are handed to the model with it, and its reply names them
        under Sources.
      </p>
      {canEdit && (
        <div className="space-y-1 text-sm">
          <label htmlFor={inputId} className="block font-medium">
            Add file
          </label>
          <input
            ref={picker}
            id={inputId}
            type="file"
            multiple
            accept=".txt,.md,.markdown,.csv,.json,.pdf,text/plain,text/markdown,application/pdf"
            aria-describedby={hintId}
            disabled={!hydrated || uploading !== null}
            onChange={(event) => void upload(event)}
            className="block w-full text-sm file:mr-3 file:rounded-md file:border file:border-zinc-300 file:bg-white file:px-3 file:py-1.5 file:text-sm file:font-medium hover:file:bg-zinc-100 dark:file:border-zinc-700 dark:file:bg-zinc-900 dark:hover:file:bg-zinc-800"
          />
          <p id={hintId} className="text-xs text-zinc-500 dark:text-zinc-400">
            Text, Markdown and PDF files, up to {bytes(maxFileBytes)} each.
          </p>
        </div>
      )}
      {uploading && (
        <p role="status" className="text-sm text-zinc-600 dark:text-zinc-400">
          Uploading {uploading}…
        </p>
      )}
      <ActionMessage message={message} />
      {files.length === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">No files yet.</p>
      ) : (
        <ul aria-label="Files" className="divide-y divide-zinc-200 text-sm dark:divide-zinc-800">
          {files.map((file) => (
            <li key={file.id} className="flex flex-wrap items-center justify-between gap-2 py-2">
              <div className="min-w-0">
                {file.status === "indexed" && file.passages > 0 ? (
                  <a
                    href={`/projects/${projectId}/files/${file.id}`}
                    className="font-medium break-all underline underline-offset-2"
                  >
                    {file.name}
                  </a>
                ) : (
                  <span className="font-medium break-all">{file.name}</span>
                )}
                <p className="text-zinc-500 dark:text-zinc-400">
                  <span className={file.status === "failed" ? "text-red-700 dark:text-red-400" : undefined}>
                    {fileState(file)}
                  </span>
                  {` · ${bytes(file.size)}`}
                  {file.status === "indexed" && ` · ${file.passages === 1 ? "1 passage" : `${file.passages} passages`}`}
                </p>
              </div>
              {canEdit && (
                <button
                  type="button"
                  className={button}
                  aria-label={`Remove ${file.name}`}
                  disabled={!hydrated || removing === file.id}
                  onClick={() => void remove(file)}
                >
                  Remove
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {busy && (
        <p role="status" className="sr-only">
          Indexing files…
        </p>
      )}
    </Section>
  );
}

function ThreadsSection({
  project,
  threads,
  space,
}: {
  project: ProjectJson;
  threads: ApiThread[];
  space: ProjectSpace;
}) {
  const hydrated = useHydrated();
  const start = useAction();

  // A thread is made in the session's active space, which must be the project's: it is made
  // active first (as the thread list does when another tab moved it), then the thread opens there.
  const newThread = () =>
    start.run(async () => {
      await workspaceApi.setActive(project.workspaceId);
      const thread = await projectApi.createThread(project.id);
      loadPage(threadPath(thread.id, space.path));
    }, "Opening the new thread…");

  return (
    <Section title="Threads">
      <button
        type="button"
        className={primaryButton}
        disabled={!hydrated || start.pending}
        onClick={() => void newThread()}
      >
        New thread in project
      </button>
      {start.status}
      {threads.length === 0 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">No threads in this project yet.</p>
      ) : (
        <ul aria-label="Threads in this project" className="space-y-1 text-sm">
          {threads.map((thread) => (
            <li key={thread.id} className="flex flex-wrap items-baseline gap-x-2">
              <a href={threadPath(thread.id, space.path)} className="underline underline-offset-2">
                {thread.title || "New chat"}
              </a>
              {!thread.own && thread.authorName && (
                <span className="text-zinc-500 dark:text-zinc-400">by {thread.authorName}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </Section>
  );
}

function DeleteSection({ project, space }: { project: ProjectJson; space: ProjectSpace }) {
  const hydrated = useHydrated();
  const remove = useAction();
  const [confirming, setConfirming] = useState(false);
  const deleteButton = useRef<HTMLButtonElement>(null);

  const confirm = async () => {
    if (await remove.run(() => projectApi.remove(project.id), "Project deleted.")) loadPage(space.path || "/");
  };

  return (
    <Section title="Delete project">
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Its files and instructions are deleted; its threads stay, outside any project.
      </p>
      {confirming ? (
        <div role="group" aria-label={`Delete ${project.name}?`} className="flex flex-wrap items-center gap-2">
          <span className="text-sm text-red-700 dark:text-red-400">Delete this project?</span>
          <button
            type="button"
            className={dangerButton}
            disabled={!hydrated || remove.pending}
            onClick={() => void confirm()}
          >
            Confirm delete
          </button>
          <button
            type="button"
            autoFocus
            className={button}
            onClick={() => {
              setConfirming(false);
              requestAnimationFrame(() => deleteButton.current?.focus());
            }}
          >
            Cancel
          </button>
        </div>
      ) : (
        <button
          ref={deleteButton}
          type="button"
          className={dangerButton}
          disabled={!hydrated}
          onClick={() => setConfirming(true)}
        >
          Delete project
        </button>
      )}
      {remove.status}
    </Section>
  );
}
