/** Who may create a workspace on this instance (WORKSPACE_CREATION, or an admin's choice on /admin). */
export const workspaceCreationModes = ["everyone", "admins"] as const;
export type WorkspaceCreationMode = (typeof workspaceCreationModes)[number];
export const isWorkspaceCreationMode = (value: unknown): value is WorkspaceCreationMode =>
  workspaceCreationModes.includes(value as WorkspaceCreationMode);

export const workspaceRoleNames = ["owner", "admin", "member"] as const;
export type WorkspaceRoleName = (typeof workspaceRoleNames)[number];

/** Owners and admins manage the workspace (rename, members, invitations); only owners delete it or set its quota. */
export const managesMembers = (role: WorkspaceRoleName | null | undefined) => role === "owner" || role === "admin";

/** The longest workspace name, in characters (the server refuses longer ones; the form stops there). */
export const workspaceNameMaxChars = 80;

/** A workspace as the API sends it to its members. */
export type WorkspaceJson = { id: string; name: string; slug: string; role: WorkspaceRoleName };

/** Lowercase letters, digits and single hyphens, 2–40 characters: the `/w/:slug` part of an address. */
export const workspaceSlugPattern = /^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){1,39}$/;

/** A slug from a name ("Acme Research" → "acme-research"), for the form's suggestion. */
export function slugFromName(name: string): string {
  return name
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
}

/** Where a space's chat is: `/w/:slug` for a workspace, "" for the personal space (whose new thread is `/`). */
export const spacePath = (workspace: Pick<WorkspaceJson, "slug"> | null) => (workspace ? `/w/${workspace.slug}` : "");
