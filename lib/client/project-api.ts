import { call, type ApiThread } from "@/lib/client/api-client";
import type {
  PassageJson,
  ProjectFileJson,
  ProjectJson,
  ProjectListItemJson,
  ThreadInstructionsJson,
} from "@/lib/shared/projects";

const json = (value: unknown) => JSON.stringify(value);
const projectPath = (id: string) => `/api/projects/${encodeURIComponent(id)}`;
const filePath = (projectId: string, fileId: string) => `${projectPath(projectId)}/files/${encodeURIComponent(fileId)}`;

/** GET /api/projects/:id's body: the project with its files and the caller's threads in it. */
export type ProjectDetailsJson = { project: ProjectJson; files: ProjectFileJson[]; threads: ApiThread[] };

/**
 * The project routes (/api/projects/**) and the instructions a thread follows; every error is an
 * ApiClientError with the server's message.
 */
export const projectApi = {
  /** The projects of the session's active space the caller may see, each with their newest threads in it. */
  list: () => call<{ projects: ProjectListItemJson[] }>("/api/projects"),
  /** A new project in the session's active space. */
  create: (input: { name: string; instructions?: string }) =>
    call<ProjectJson>("/api/projects", { method: "POST", body: json(input) }),
  details: (id: string) => call<ProjectDetailsJson>(projectPath(id)),
  update: (id: string, values: { name?: string; instructions?: string }) =>
    call<ProjectJson>(projectPath(id), { method: "PATCH", body: json(values) }),
  remove: (id: string) => call<void>(projectPath(id), { method: "DELETE" }),
  listFiles: (id: string) => call<{ files: ProjectFileJson[] }>(`${projectPath(id)}/files`),
  /** One file, as a multipart form (field `file`); indexing happens later, in the background. */
  uploadFile: (id: string, file: File) => {
    const form = new FormData();
    form.append("file", file);
    return call<ProjectFileJson>(`${projectPath(id)}/files`, { method: "POST", body: form });
  },
  removeFile: (projectId: string, fileId: string) => call<void>(filePath(projectId, fileId), { method: "DELETE" }),
  passage: (projectId: string, fileId: string, seq: number) =>
    call<PassageJson>(`${filePath(projectId, fileId)}/passages/${seq}`),
  /** A new thread in the project, in the session's active space (which must be the project's). */
  createThread: (projectId: string) => call<ApiThread>("/api/threads", { method: "POST", body: json({ projectId }) }),
  /**
   * Moves the caller's own thread into a project of its space, or out of any (null). A 404 here
   * may be the project gone, not the thread: it is shown, not taken for the thread's end.
   */
  setThreadProject: (threadId: string, projectId: string | null) =>
    call<ApiThread>(
      `/api/threads/${encodeURIComponent(threadId)}/project`,
      { method: "PUT", body: json({ projectId }) },
      false,
    ),
  /** The personal and project instructions the caller's thread follows. */
  threadInstructions: (threadId: string) =>
    call<ThreadInstructionsJson>(`/api/threads/${encodeURIComponent(threadId)}/instructions`),
  personalInstructions: () => call<{ instructions: string }>("/api/account/instructions"),
  setPersonalInstructions: (instructions: string) =>
    call<{ instructions: string }>("/api/account/instructions", { method: "PUT", body: json({ instructions }) }),
};

/** The address of the project file a download link opens. */
export const projectFileContentUrl = (projectId: string, fileId: string) => `${filePath(projectId, fileId)}/content`;
