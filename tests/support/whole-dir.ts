import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import path from "node:path";

/**
 * Makes the folder `target` whole or not at all: `fill` writes a sibling folder, which is then
 * renamed into place, so a run alongside never sees half of one. If a run alongside got there
 * first, its folder stays and this one's is removed; if `fill` fails, its folder is removed and,
 * unless `target` is there anyway, the error is thrown.
 */
export function makeWholeDir(target: string, fill: (partial: string) => void): void {
  mkdirSync(path.dirname(target), { recursive: true });
  const partial = mkdtempSync(`${target}-`);
  try {
    fill(partial);
    renameSync(partial, target);
  } catch (error) {
    rmSync(partial, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
}
