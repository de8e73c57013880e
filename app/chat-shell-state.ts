import "server-only";
import { redirect } from "next/navigation";
import type { ChatShellState } from "@/components/chat/chat-shell";
import { isAdmin, isEmailVerificationPending, isPendingApproval } from "@/lib/auth/session";
import { getModel } from "@/lib/chat/models";
import { isDatabaseNotMigrated } from "@/lib/db/database";
import { getPageSession } from "@/lib/http/caller";
import { limits } from "@/lib/http/limits";

/** For the chat pages (`/` and `/chat/:id`): what ChatShell shows around the thread, read on the server. */
export async function readChatShellState(): Promise<ChatShellState> {
  let session;
  try {
    session = await getPageSession();
  } catch (error) {
    if (isDatabaseNotMigrated(error)) return { screen: "database-not-set-up", message: error.message };
    throw error;
  }
  // Only for a session the database no longer has (the proxy already sent cookie-less visitors).
  if (!session) redirect("/sign-in");
  // Before approval: an admin approving an address nobody has proven is theirs would approve a claim.
  if (isEmailVerificationPending(session)) return { screen: "email-verification-pending", email: session.user.email };
  if (isPendingApproval(session)) return { screen: "pending-approval" };
  const model = getModel();
  return {
    screen: "chat",
    user: { id: session.user.id, name: session.user.name, isAdmin: isAdmin(session) },
    model: { label: model.label, isDemo: model.mode === "demo", offered: model.offered },
    attachmentLimits: { maxBytes: limits.maxAttachmentBytes, maxCount: limits.maxAttachmentsPerMessage },
  };
}
