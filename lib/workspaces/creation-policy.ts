import "server-only";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { readInstanceSetting, writeInstanceSetting } from "@/lib/admin/instance-settings";
import type { Env } from "@/lib/config/env";
import { isWorkspaceCreationMode, workspaceCreationModes, type WorkspaceCreationMode } from "@/lib/shared/workspaces";

/** `WORKSPACE_CREATION` (default everyone); a bad value stops the app with a clear message. */
export function readWorkspaceCreationDefault(env: Env = process.env): WorkspaceCreationMode {
  const raw = env.WORKSPACE_CREATION?.trim() || "everyone";
  if (!isWorkspaceCreationMode(raw))
    throw new Error(`WORKSPACE_CREATION must be one of ${workspaceCreationModes.join(", ")}, got "${raw}".`);
  return raw;
}

const key = "workspace_creation";

/**
 * Who may create a workspace: everyone, or instance admins only. Stored like the sign-up mode: an
 * admin's choice on /admin wins over WORKSPACE_CREATION until reset. Checked by better-auth's
 * organization plugin (allowUserToCreateOrganization), so no path around it creates one.
 */
export function createWorkspaceCreationPolicy(db: AppDatabase = defaultDb, fallback = readWorkspaceCreationDefault()) {
  return {
    /** What WORKSPACE_CREATION (or its default) says: the mode a reset goes back to. */
    environmentMode: fallback,

    async current(): Promise<{ mode: WorkspaceCreationMode; source: "admin" | "environment" }> {
      const stored = await readInstanceSetting(db, key);
      return isWorkspaceCreationMode(stored)
        ? { mode: stored, source: "admin" }
        : { mode: fallback, source: "environment" };
    },

    async mayCreate(user: Record<string, unknown>): Promise<boolean> {
      const { mode } = await this.current();
      return mode === "everyone" || user.role === "admin";
    },

    /** null goes back to WORKSPACE_CREATION. */
    async setByAdmin(adminId: string, mode: WorkspaceCreationMode | null): Promise<void> {
      await writeInstanceSetting(db, key, mode, adminId);
    },
  };
}

export type WorkspaceCreationPolicy = ReturnType<typeof createWorkspaceCreationPolicy>;

export const workspaceCreationPolicy = createWorkspaceCreationPolicy();
