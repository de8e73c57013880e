import "server-only";
import { sql, type SQL } from "drizzle-orm";
import { db as defaultDb } from "@/lib/db/database";
import type { AppDatabase } from "@/db/connect";
import { instanceSetting } from "@/db/schema";
import { readInstanceSetting, writeInstanceSetting } from "@/lib/admin/instance-settings";
import { readShareLinksDefault } from "@/lib/sharing/settings";
import { isShareLinkMode, shareLinkModes, type ShareAudience, type ShareLinkMode } from "@/lib/shared/share-links";

export { readShareLinksDefault };

const key = "share_links";

/** Whether links of this audience open under this instance mode. */
export const modeAllows = (mode: ShareLinkMode, audience: ShareAudience): boolean =>
  mode === "anyone" || (mode === "signed-in" && audience !== "anyone");

/** The audiences a thread's link may have under this mode (`workspace` only for a workspace thread). */
export const audiencesFor = (mode: ShareLinkMode, workspaceId: string | null): ShareAudience[] =>
  (["signed-in", "workspace", "anyone"] as const).filter(
    (audience) => modeAllows(mode, audience) && (audience !== "workspace" || workspaceId !== null),
  );

/**
 * Which links open on this instance: none (`off`), those for signed-in people and workspace
 * members (`signed-in`), or also those for anyone (`anyone`). Stored like the sign-up mode: an
 * admin's choice on /admin wins over SHARE_LINKS until reset. Links of an audience the mode does
 * not allow are kept, suspended: they open again when the mode allows them again.
 */
export function createShareLinkPolicy(db: AppDatabase = defaultDb, fallback = readShareLinksDefault()) {
  return {
    /** What SHARE_LINKS (or its default) says: the mode a reset goes back to. */
    environmentMode: fallback,

    async current(): Promise<{ mode: ShareLinkMode; source: "admin" | "environment" }> {
      const stored = await readInstanceSetting(db, key);
      return isShareLinkMode(stored) ? { mode: stored, source: "admin" } : { mode: fallback, source: "environment" };
    },

    /**
     * The current mode as SQL, for a statement that checks a link: read in that very statement,
     * so an admin's switch to `off` ends every link at the next request on every instance.
     */
    modeSql(): SQL<ShareLinkMode> {
      const modes = sql.join(
        shareLinkModes.map((mode) => sql`${mode}`),
        sql`, `,
      );
      return sql<ShareLinkMode>`coalesce((select s.value from ${instanceSetting} s where s.key = ${key} and s.value in (${modes})), ${fallback}::text)`;
    },

    /** null goes back to SHARE_LINKS. */
    async setByAdmin(adminId: string, mode: ShareLinkMode | null): Promise<void> {
      await writeInstanceSetting(db, key, mode, adminId);
    },
  };
}

export type ShareLinkPolicy = ReturnType<typeof createShareLinkPolicy>;

export const shareLinkPolicy = createShareLinkPolicy();
