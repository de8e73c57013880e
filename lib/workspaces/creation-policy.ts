import "server-only";
import { eq } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { instanceSetting } from "@/db/schema";
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
      const [row] = await db
        .select({ value: instanceSetting.value })
        .from(instanceSetting)
        .where(eq(instanceSetting.key, key));
      return isWorkspaceCreationMode(row?.value)
        ? { mode: row.value, source: "admin" }
        : { mode: fallback, source: "environment" };
    },

    async mayCreate(user: Record<string, unknown>): Promise<boolean> {
      const { mode } = await this.current();
      return mode === "everyone" || user.role === "admin";
    },

    /** null goes back to WORKSPACE_CREATION. */
    async setByAdmin(adminId: string, mode: WorkspaceCreationMode | null): Promise<void> {
      if (mode === null) {
        await db.delete(instanceSetting).where(eq(instanceSetting.key, key));
        return;
      }
      await db
        .insert(instanceSetting)
        .values({ key, value: mode, updatedBy: adminId })
        .onConflictDoUpdate({
          target: instanceSetting.key,
          set: { value: mode, updatedBy: adminId, updatedAt: new Date() },
        });
    },
  };
}

export type WorkspaceCreationPolicy = ReturnType<typeof createWorkspaceCreationPolicy>;

export const workspaceCreationPolicy = createWorkspaceCreationPolicy();
