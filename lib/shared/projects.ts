/**
 * Projects as the API sends them and the browser reads them (db/schema.ts's types stay on the
 * server; lib/projects/ checks these agree with it).
 */

export const projectFileStatuses = ["queued", "indexing", "indexed", "failed"] as const;
export type ProjectFileStatus = (typeof projectFileStatuses)[number];

/** A project as its users see it. */
export type ProjectJson = {
  id: string;
  name: string;
  /** The system prompt its threads start from ("" when none). */
  instructions: string;
  /** The workspace it lives in; null: the creator's personal space. */
  workspaceId: string | null;
  /** The caller may rename it, change its instructions and files, and delete it. */
  canEdit: boolean;
  /** Who made it (their display name). */
  creatorName: string;
  files: number;
  createdAt: string;
  updatedAt: string;
};

/** A project in the sidebar: with the caller's newest threads in it (their own and those shared with them). */
export type ProjectListItemJson = ProjectJson & { threads: { id: string; title: string | null }[] };

export type ProjectFileJson = {
  id: string;
  name: string;
  /** Media type, decided from the bytes. */
  type: string;
  size: number;
  status: ProjectFileStatus;
  /** Why indexing failed; null otherwise. */
  error: string | null;
  /** Passages the file was split into (0 until indexed). */
  passages: number;
  createdAt: string;
};

/** One passage of a project file: what a reply's source opens. */
export type PassageJson = {
  fileId: string;
  name: string;
  seq: number;
  text: string;
  /** The neighbouring passages' numbers, null at either end. */
  previous: number | null;
  next: number | null;
};

/** The instructions a thread's replies follow, shown to its author (the folded "Instructions" line). */
export type ThreadInstructionsJson = {
  personal: string | null;
  project: { id: string; name: string; instructions: string } | null;
};

/** Where a reply's source opens: the project file's page at that passage. */
export const passageHref = (projectId: string, fileId: string, seq: number) =>
  `/projects/${projectId}/files/${fileId}?passage=${seq}`;
