import "server-only";
import { ApiError, notFound } from "@/lib/http/errors";
import { parseWorkspaceId } from "@/lib/http/validation";
import { managesMembers } from "@/lib/shared/workspaces";
import { workspaces } from "@/lib/workspaces/workspaces";

/**
 * For the routes only a workspace's owners and admins may read (usage, events): the workspace id
 * from the address, a 404 for a workspace the caller is not in (as for one that does not exist),
 * a 403 for a plain member. The reads themselves check the role again in their own statement.
 */
export async function managedWorkspaceId(userId: string, rawId: string): Promise<string> {
  const id = parseWorkspaceId(rawId);
  const found = await workspaces.membershipForUser(userId, { id });
  if (!found) throw notFound("Workspace");
  if (!managesMembers(found.role)) throw notManager();
  return id;
}

export const notManager = () =>
  new ApiError("forbidden", "Only the workspace's owners and admins can see its usage and events.");
