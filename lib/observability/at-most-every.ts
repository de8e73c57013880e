import { logger } from "@/lib/observability/logger";

/**
 * Housekeeping that requests trigger but need not wait for: the returned function starts `task`
 * at most once per `ms` in this process, off the caller's path; a failure is logged as `failure`,
 * never thrown at the caller.
 */
export function atMostEvery(ms: number, task: () => Promise<unknown>, failure: string): () => void {
  let last = 0;
  return () => {
    if (Date.now() - last < ms) return;
    last = Date.now();
    task().catch((error: unknown) => logger.warn({ err: error }, failure));
  };
}
