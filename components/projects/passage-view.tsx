import Link from "next/link";
import type { PassageJson, ProjectFileJson } from "@/lib/shared/projects";

const navLink =
  "rounded-md border border-zinc-300 px-3 py-1.5 text-sm font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:hover:bg-zinc-800";

/**
 * One passage of a project file (what a reply's source names), with the passages either side and
 * the whole file to download. A passage the file does not have (not indexed yet, or past its end)
 * says so instead.
 */
export function PassageView({
  project,
  file,
  seq,
  passage,
}: {
  project: { id: string; name: string };
  file: ProjectFileJson;
  seq: number;
  passage: PassageJson | null;
}) {
  const at = (n: number) => `/projects/${project.id}/files/${file.id}?passage=${n}`;
  return (
    <main className="mx-auto max-w-3xl space-y-6 p-4 sm:p-8">
      <div className="space-y-1">
        <Link href={`/projects/${project.id}`} className="text-sm underline">
          {project.name}
        </Link>
        <h1 className="text-2xl font-semibold break-all">{file.name}</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {file.passages === 1 ? "1 passage" : `${file.passages} passages`}
          {file.status !== "indexed" && ` · ${file.status === "failed" ? "indexing failed" : "not indexed yet"}`}
        </p>
        <a
          href={`/api/projects/${project.id}/files/${file.id}/content`}
          download={file.name}
          className="text-sm underline"
        >
          Download file
        </a>
      </div>
      <section aria-labelledby="passage-heading" className="space-y-3">
        <h2 id="passage-heading" className="font-semibold">
          Passage {seq}
        </h2>
        {passage ? (
          <blockquote className="rounded-lg border border-zinc-200 bg-zinc-50 p-4 text-sm break-words whitespace-pre-wrap dark:border-zinc-800 dark:bg-zinc-900">
            {passage.text}
          </blockquote>
        ) : (
          <p role="status" className="text-sm text-zinc-600 dark:text-zinc-400">
            {file.status === "indexed"
              ? `This file has no passage ${seq}.`
              : "This file's passages are not ready yet: it has not been indexed."}
          </p>
        )}
        <nav aria-label="Passages" className="flex flex-wrap gap-2">
          {passage?.previous != null && (
            <Link href={at(passage.previous)} className={navLink}>
              Previous passage
            </Link>
          )}
          {passage?.next != null && (
            <Link href={at(passage.next)} className={navLink}>
              Next passage
            </Link>
          )}
          {!passage && file.passages > 0 && (
            <Link href={at(1)} className={navLink}>
              First passage
            </Link>
          )}
        </nav>
      </section>
    </main>
  );
}
