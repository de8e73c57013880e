import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { ChatApp } from "@/components/chat-app";
import { isDatabaseNotMigrated } from "@/db/connect";
import { getModel } from "@/lib/ai";
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

  const model = getModel();
  return (
    <ChatApp
      user={{ id: session.user.id, name: session.user.name }}
      model={{ label: model.label, isDemo: model.mode === "demo", offered: model.offered }}
    />
  );
}
