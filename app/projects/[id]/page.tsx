import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { projectForPage, projectPageSession } from "@/app/projects/project-page-state";
import { ProjectView } from "@/components/projects/project-view";
import { threadJson } from "@/lib/chat/threads";
import { limits } from "@/lib/http/limits";
import { getPageSession } from "@/lib/http/caller";
import { projectLimits } from "@/lib/projects/limits";
import { projectFiles } from "@/lib/projects/project-files";
import { projects } from "@/lib/projects/projects";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const session = await getPageSession().catch(() => null);
  if (!session) return {};
  const { project } = await projectForPage(session.user.id, (await params).id);
  return { title: `${project.name} · Threadkeeper` };
}

/**
 * `/projects/:id`: a project's instructions, files (with how far their indexing is) and the
 * person's threads in it, and "New thread in project". What they may change follows the project's
 * rules (its creator and the workspace's owners and admins edit; the API decides again). For
 * anyone who may not see the project, it is the 404 page.
 */
export default async function ProjectPage({ params }: Props) {
  const { id } = await params;
  const session = await projectPageSession(`/projects/${id}`);
  const { project, space } = await projectForPage(session.user.id, id);
  const [files, threads] = await Promise.all([
    projectFiles.listFilesForUser(session.user.id, project.id),
    projects.listProjectThreadsForUser(session.user.id, project.id),
  ]);
  // Gone between the reads (deleted, or the person removed from its workspace).
  if (!files || !threads) notFound();
  return (
    <ProjectView
      project={project}
      files={files}
      threads={threads.map(threadJson)}
      space={space}
      limits={{ maxInstructionsChars: projectLimits.maxInstructionsChars, maxFileBytes: limits.maxAttachmentBytes }}
    />
  );
}
