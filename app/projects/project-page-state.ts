import "server-only";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { signInPathFor } from "@/lib/auth/safe-redirect";
import { isEmailVerificationPending, isPendingApproval } from "@/lib/auth/session";
import { getPageSession } from "@/lib/http/caller";
import { projects } from "@/lib/projects/projects";
import { workspaces } from "@/lib/workspaces/workspaces";
import { spacePath } from "@/lib/shared/workspaces";

/**
 * The signed-in person a project page is for: signed out → sign in, then back to `path`; an
 * account that cannot chat yet → the chat page, which says why.
 */
export async function projectPageSession(path: string) {
  const session = await getPageSession();
  if (!session) redirect(signInPathFor(path));
  if (isEmailVerificationPending(session) || isPendingApproval(session)) redirect("/");
  return session;
}

/**
 * The project as the person sees it, with the space it lives in (its name and address), or the
 * 404 page: a project they may not see is the same page as one that does not exist (a malformed
 * id too). Read once per request, however many ask (the page and its metadata).
 */
export const projectForPage = cache(async (userId: string, projectId: string) => {
  const project = await projects.getProjectForUser(userId, projectId);
  if (!project) notFound();
  const workspace =
    project.workspaceId === null ? null : await workspaces.membershipForUser(userId, { id: project.workspaceId });
  // Seen only by a member of its workspace: a project without one is not theirs to see.
  if (project.workspaceId !== null && !workspace) notFound();
  return {
    project,
    space: { workspaceId: project.workspaceId, name: workspace?.name ?? null, path: spacePath(workspace) },
  };
});
