import Link from "next/link";
import { headers } from "next/headers";
import { signInPathFor } from "@/lib/auth/safe-redirect";
import { getPageSession } from "@/lib/http/caller";
import { SHARE_PATH_HEADER } from "@/lib/http/share-requests";

const primaryLink =
  "rounded-md bg-zinc-900 px-3 py-2 text-sm font-medium text-white hover:bg-zinc-700 dark:bg-zinc-100 dark:text-zinc-900";

/**
 * Every share link that cannot be opened, whatever the reason (never was, deleted, its author
 * banned, not for this viewer, not allowed on the instance now): the same words, so the page
 * tells nothing about which it was. Someone signed out is offered to sign in and come back.
 */
export default async function SharedConversationNotFound() {
  const session = await getPageSession();
  // The proxy (proxy.ts) names the address this answers; sign-in comes back to it.
  const path = (await headers()).get(SHARE_PATH_HEADER);
  return (
    <main className="flex min-h-dvh flex-col items-center justify-center gap-3 p-6 text-center">
      <h1 className="text-2xl font-semibold">Not found</h1>
      <p className="max-w-md text-zinc-600 dark:text-zinc-400">
        This link may not exist, or it may have been deleted, or it may need an account on this instance.
      </p>
      {session ? (
        <Link href="/" className={primaryLink}>
          Start a new thread
        </Link>
      ) : (
        <a href={signInPathFor(path?.startsWith("/s/") ? path : "/")} className={primaryLink}>
          Sign in
        </a>
      )}
    </main>
  );
}
