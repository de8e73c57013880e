import "server-only";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import type { ChatShellState } from "@/components/chat/chat-shell";
import { isAdmin, isEmailVerificationPending, isPendingApproval } from "@/lib/auth/session";
import { getModel } from "@/lib/chat/models";
import { isDatabaseNotMigrated } from "@/lib/db/database";
import { getPageSession, workspaceActions } from "@/lib/http/caller";
import { limits } from "@/lib/http/limits";
import { workspaceCreationPolicy } from "@/lib/workspaces/creation-policy";
import { workspaces } from "@/lib/workspaces/workspaces";
import { workspaceSlugPattern, type WorkspaceJson } from "@/lib/shared/workspaces";
import { toolCatalog } from "@/lib/tools/catalog";

/**
 * The workspace an address names (`/w/:slug…`) with the person's role in it, or the 404 page:
 * a workspace they are not a member of is the same page as one that does not exist. Read once per
 * render however many ask.
 */
export const workspaceForSlug = cache(async (userId: string, slug: string): Promise<WorkspaceJson> => {
  const found = workspaceSlugPattern.test(slug) ? await workspaces.membershipForUser(userId, { slug }) : null;
  if (!found) notFound();
  return found;
});

type PageSession = NonNullable<Awaited<ReturnType<typeof getPageSession>>>;

/**
 * A page whose address names a space makes it the session's active one, as it renders. A router
 * prefetch (a link scrolled into view) is not a visit, so it moves nothing: the list on the page
 * then opened makes its space active itself if it finds the session elsewhere.
 */
export async function enterSpace(session: PageSession, workspaceId: string | null) {
  if ((await headers()).has("next-router-prefetch")) return;
  await workspaceActions.switchTo(session, workspaceId);
}

/**
 * For the chat pages (`/`, `/chat/:id`, `/w/:slug`, `/w/:slug/chat/:id`): what ChatShell shows
 * around the thread, read on the server. `space` is the workspace the address names (null: the
 * personal space); the page makes it the session's active space, so the API the browser calls
 * next works in it, and the switcher and the header render with it (no flash of another space).
 */
export async function readChatShellState(space: { slug: string } | null = null): Promise<ChatShellState> {
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
  const workspace = space ? await workspaceForSlug(session.user.id, space.slug) : null;
  await enterSpace(session, workspace?.id ?? null);
  const [listed, canCreate, tools] = await Promise.all([
    workspaces.listForUser(session.user.id),
    workspaceCreationPolicy.mayCreate(session.user),
    toolCatalog.hasToolsForUser(session.user.id),
  ]);
  const model = getModel();
  return {
    screen: "chat",
    user: { id: session.user.id, name: session.user.name, isAdmin: isAdmin(session) },
    model: { label: model.label, isDemo: model.mode === "demo", offered: model.offered },
    attachmentLimits: { maxBytes: limits.maxAttachmentBytes, maxCount: limits.maxAttachmentsPerMessage },
    tools,
    space: { workspace, workspaces: listed, canCreate },
  };
}
