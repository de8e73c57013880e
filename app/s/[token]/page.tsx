import { notFound } from "next/navigation";
import type { ReactNode } from "react";
import { signInPathFor } from "@/lib/auth/safe-redirect";
import { shareLinks } from "@/lib/sharing/share-links";
import { getPageSession } from "@/lib/http/caller";
import { logger } from "@/lib/observability/logger";
import { shareViewerOf } from "@/lib/sharing/viewer";
import { shareTokenPattern } from "@/lib/shared/share-links";

// Every request asks the database whether the link may be opened: a revoked link is gone on the next request.
export const dynamic = "force-dynamic";

type Props = {
  params: Promise<{ token: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
};

// A page number exactly as the page's own links write it; anything else (0, a sign, a leading
// zero, a repeated parameter) is the 404 page, so one page has one address.
const pageParam = /^[1-9][0-9]{0,4}$/;

type SnapshotMessage = NonNullable<Awaited<ReturnType<typeof shareLinks.openByToken>>>["messages"][number];
type Part = SnapshotMessage["parts"][number];

const roleLabel: Record<SnapshotMessage["role"], string> = { user: "User", assistant: "Assistant", system: "System" };

// One fixed format whoever reads it (no locale or time zone of the server's).
const when = (date: Date) => `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 16)} UTC`;

const primaryButton =
  "rounded-md bg-zinc-900 px-3 py-2 text-sm font-medium text-white hover:bg-zinc-700 dark:bg-zinc-100 dark:text-zinc-900 dark:hover:bg-zinc-300";

/** A file of the snapshot, served only under this link's own address (the store wrote the URL). */
function SnapshotFile({ part, filesPath }: { part: Extract<Part, { type: "file" }>; filesPath: string }) {
  if (!part.url.startsWith(filesPath)) return null;
  const name = part.filename ?? "file";
  if (part.mediaType.startsWith("image/"))
    return (
      // A plain <img>: next/image's optimizer would fetch it on the server, without the viewer's session.
      // eslint-disable-next-line @next/next/no-img-element
      <img
        src={part.url}
        alt={name}
        className="max-h-80 max-w-full rounded border border-zinc-200 dark:border-zinc-800"
      />
    );
  return (
    <a href={part.url} className="text-sm underline" download={name}>
      {name}
    </a>
  );
}

/**
 * The model's Markdown as the store rendered it when the snapshot was taken: HTML written by our own
 * renderer (lib/sharing/markdown-worker.mjs: no raw HTML, no images, only safe links) into our own
 * database, never text from a request, so it is set as is and a view parses no Markdown. Without it
 * (what a person typed, or text past the renderer's limits) the text is shown as it is.
 */
function SnapshotText({ part }: { part: Extract<Part, { type: "text" | "reasoning" }> }) {
  return part.html ? (
    <div dangerouslySetInnerHTML={{ __html: part.html }} />
  ) : (
    <p className="break-words whitespace-pre-wrap">{part.text}</p>
  );
}

function MessagePart({ part, filesPath }: { part: Part; filesPath: string }) {
  switch (part.type) {
    case "text":
      return <SnapshotText part={part} />;
    case "reasoning":
      return (
        <details className="rounded-md border border-zinc-200 px-3 py-2 text-sm dark:border-zinc-800">
          <summary className="cursor-pointer text-zinc-600 dark:text-zinc-400">Reasoning</summary>
          <div className="mt-2 text-zinc-600 dark:text-zinc-400">
            <SnapshotText part={part} />
          </div>
        </details>
      );
    case "file":
      return <SnapshotFile part={part} filesPath={filesPath} />;
    default:
      return null;
  }
}

/** "Page N of M" with plain links to the neighbours (no JavaScript needed); nothing for a one-page snapshot. */
function PageNav({ here, page, pages }: { here: string; page: number; pages: number }) {
  if (pages <= 1) return null;
  const to = (n: number) => (n === 1 ? here : `${here}?page=${n}`);
  return (
    <nav aria-label="Pages" className="flex items-center justify-between gap-3 text-sm">
      {page > 1 ? (
        <a href={to(page - 1)} className="underline">
          Earlier messages
        </a>
      ) : (
        <span />
      )}
      <span className="text-zinc-600 dark:text-zinc-400">
        Page {page} of {pages}
      </span>
      {page < pages ? (
        <a href={to(page + 1)} className="underline">
          Later messages
        </a>
      ) : (
        <span />
      )}
    </nav>
  );
}

/**
 * `/s/:token`: a snapshot someone shared, rendered here on the server (reading it needs no
 * JavaScript). An unknown, revoked or not-allowed link is the same 404 page, decided before
 * anything of the snapshot is rendered: a viewer without the right session gets none of it.
 * `?page=N` shows one page of a long snapshot (pages are cut when it is written), so one render
 * costs at most a page's worth of messages; a page it does not have is that same 404.
 */
export default async function SharedConversationPage({ params, searchParams }: Props) {
  const { token } = await params;
  const { page: pageValue } = await searchParams;
  if (!shareTokenPattern.test(token)) notFound();
  if (pageValue !== undefined && (typeof pageValue !== "string" || !pageParam.test(pageValue))) notFound();
  const page = pageValue === undefined ? 1 : Number(pageValue);
  // The same session lookup as the 404 page's, if it comes to that (one per render).
  const viewerId = shareViewerOf(await getPageSession());
  const view = await shareLinks.openByToken(token, viewerId, page).catch((error: unknown) => {
    // Next prints a page's error as thrown, and a failed statement's message carries its parameters
    // (the token): the app's logger leaves them out.
    logger.error({ err: error }, "share page: the link could not be read");
    throw new Error("The shared conversation could not be read.");
  });
  if (!view) notFound();
  const here = `/s/${token}`;
  const filesPath = `${here}/files/`;

  let next: ReactNode;
  if (viewerId) {
    // A plain form: it works without JavaScript, and the route answers it with a redirect to the new thread.
    next = (
      <form method="post" action={`${here}/continue`}>
        <button type="submit" className={primaryButton}>
          Continue this conversation
        </button>
      </form>
    );
  } else {
    next = (
      <a href={signInPathFor(page === 1 ? here : `${here}?page=${page}`)} className={primaryButton}>
        Sign in to continue this conversation
      </a>
    );
  }

  return (
    <main className="mx-auto flex w-full max-w-3xl flex-col gap-6 px-4 py-8">
      <header className="space-y-1 border-b border-zinc-200 pb-4 dark:border-zinc-800">
        <h1 className="text-2xl font-semibold break-words">{view.title || "Untitled conversation"}</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          Shared by {view.authorName} · snapshot of {when(view.snapshotAt)}
        </p>
      </header>
      <PageNav here={here} page={view.page} pages={view.pages} />
      <ol className="flex flex-col gap-6" aria-label="Messages">
        {view.messages.map((m) => (
          <li key={m.id}>
            <article aria-labelledby={`message-${m.id}`} data-role={m.role} className="space-y-2">
              <h2
                id={`message-${m.id}`}
                className="text-xs font-semibold tracking-wide text-zinc-500 dark:text-zinc-400 uppercase"
              >
                {roleLabel[m.role]}
              </h2>
              <div
                className={
                  m.role === "user"
                    ? "space-y-2 rounded-2xl bg-zinc-100 px-4 py-2 dark:bg-zinc-800"
                    : "space-y-3 text-[0.95rem]"
                }
              >
                {m.parts.map((part, i) => (
                  <MessagePart key={i} part={part} filesPath={filesPath} />
                ))}
              </div>
            </article>
          </li>
        ))}
      </ol>
      <PageNav here={here} page={view.page} pages={view.pages} />
      <footer className="flex flex-wrap items-center gap-3 border-t border-zinc-200 pt-4 dark:border-zinc-800">
        {next}
      </footer>
    </main>
  );
}
