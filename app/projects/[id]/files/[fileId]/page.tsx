import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { projectForPage, projectPageSession } from "@/app/projects/project-page-state";
import { PassageView } from "@/components/projects/passage-view";
import { getPageSession } from "@/lib/http/caller";
import { projectFiles } from "@/lib/projects/project-files";

type Props = {
  params: Promise<{ id: string; fileId: string }>;
  searchParams: Promise<{ passage?: string | string[] }>;
};

/** `?passage=N` → N; anything else → the first passage (passages are numbered from 1). */
function passageNumber(value: string | string[] | undefined): number {
  const n = typeof value === "string" && /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n >= 1 ? n : 1;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const session = await getPageSession().catch(() => null);
  if (!session) return {};
  const { id, fileId } = await params;
  const file = await projectFiles.getFileForUser(session.user.id, id, fileId);
  return { title: file ? `${file.name} · Threadkeeper` : "Not found" };
}

/**
 * `/projects/:id/files/:fileId?passage=N`: where a reply's source opens, for anyone who may see
 * the project: the file's passage N, the passages either side of it and the file to download.
 * A file or project they may not see is the 404 page, the same as one that does not exist.
 */
export default async function ProjectFilePage({ params, searchParams }: Props) {
  const { id, fileId } = await params;
  const seq = passageNumber((await searchParams).passage);
  const session = await projectPageSession(`/projects/${id}/files/${fileId}?passage=${seq}`);
  const { project } = await projectForPage(session.user.id, id);
  const [file, passage] = await Promise.all([
    projectFiles.getFileForUser(session.user.id, project.id, fileId),
    projectFiles.passageForUser(session.user.id, project.id, fileId, seq),
  ]);
  if (!file) notFound();
  return <PassageView project={{ id: project.id, name: project.name }} file={file} seq={seq} passage={passage} />;
}
