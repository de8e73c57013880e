import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { isDatabaseNotMigrated } from "@/db/connect";
import { SignOutButton } from "@/components/sign-out-button";
import { getSession } from "@/lib/session";

export default async function HomePage() {
  let session;
  try {
    session = await getSession(await headers());
  } catch (error) {
    if (isDatabaseNotMigrated(error)) {
      return (
        <main className="p-8">
          <h1 className="text-lg font-semibold">Database not set up</h1>
          <p role="alert">{error.message}</p>
        </main>
      );
    }
    throw error;
  }
  if (!session) redirect("/sign-in");

  return (
    <div className="flex min-h-dvh flex-col">
      <header className="flex items-center justify-between border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
        <span className="font-semibold">Threadkeeper</span>
        <div className="flex items-center gap-3">
          <span className="text-sm" data-testid="current-user">{session.user.name}</span>
          <SignOutButton />
        </div>
      </header>
      <main className="flex-1 p-4" />
    </div>
  );
}
