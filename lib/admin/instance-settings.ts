import "server-only";
import { eq } from "drizzle-orm";
import type { AppDatabase } from "@/db/connect";
import { instanceSetting } from "@/db/schema";

/**
 * The settings an admin picks on /admin (sign-up mode, workspace creation, share links), each a
 * row of instance_setting that wins over its environment variable while it exists.
 */

/** The admin's stored choice for `key`, or undefined: the environment's value applies. */
export async function readInstanceSetting(db: AppDatabase, key: string): Promise<string | undefined> {
  const [row] = await db
    .select({ value: instanceSetting.value })
    .from(instanceSetting)
    .where(eq(instanceSetting.key, key));
  return row?.value;
}

/** Stores an admin's choice for `key`; null removes it, so the environment's value applies again. */
export async function writeInstanceSetting(
  db: AppDatabase,
  key: string,
  value: string | null,
  adminId: string,
): Promise<void> {
  if (value === null) {
    await db.delete(instanceSetting).where(eq(instanceSetting.key, key));
    return;
  }
  await db
    .insert(instanceSetting)
    .values({ key, value, updatedBy: adminId })
    .onConflictDoUpdate({ target: instanceSetting.key, set: { value, updatedBy: adminId, updatedAt: new Date() } });
}
