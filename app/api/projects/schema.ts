import { z } from "zod";
import { ApiError, notFound } from "@/lib/http/errors";
import { storableText } from "@/lib/http/validation";
import { projectLimits } from "@/lib/projects/limits";
import { projects } from "@/lib/projects/projects";

/** A project's name: 1–100 characters once trimmed, none of them a control character (it names links and headings). */
export const projectNameMaxChars = 100;

/** Characters that would make a name lie about itself on screen: control characters and bidirectional overrides. */
const deceptive = /[\p{Cc}\u202a-\u202e\u2066-\u2069]/u;

export const projectName = storableText(projectNameMaxChars)
  .transform((s) => s.trim())
  .pipe(
    z
      .string()
      .min(1, "must not be empty")
      .refine((s) => !deceptive.test(s), "must not contain control characters"),
  );

/**
 * Instructions (a project's, or a person's own): free text with line breaks, at most
 * MAX_INSTRUCTIONS_CHARS; surrounding blank space is dropped, so "only spaces" means none.
 */
export const instructions = storableText(projectLimits.maxInstructionsChars).transform((s) => s.trim());

/** One who may see the project but not change it (a member of its workspace who is not its creator or an admin there). */
export const notAnEditor = () =>
  new ApiError("forbidden", "Only the project's creator and the workspace's owners and admins can change it.");

/**
 * The 404 for a file or passage the data layer did not find: "<what> not found." to one who may
 * see the project, and to anyone else the project's own 404, exactly as for a missing project
 * (so a file id tells an outsider nothing about the project it names).
 */
export async function missingIn(userId: string, projectId: string, what: "File" | "Passage"): Promise<ApiError> {
  return (await projects.getProjectForUser(userId, projectId)) ? notFound(what) : notFound("Project");
}
