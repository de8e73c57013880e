import type { Env } from "@/lib/config/env";
import { inject } from "vitest";
import { connectPglite, connectPostgres, type DatabaseHandle } from "@/db/connect";

/** Both engines the app runs on: an in-memory PGlite (migrated by the app's own code) and the real PostgreSQL. */
export const engines = [
  { name: "pglite", open: (): DatabaseHandle => connectPglite(undefined) },
  { name: "postgres", open: (): DatabaseHandle => connectPostgres(inject("postgresUrl"), { max: 4 }) },
] as const;

export const testEnv = (extra: Env = {}): Env => ({
  NODE_ENV: "test",
  BETTER_AUTH_SECRET: "test-secret-test-secret-test-secret-0123",
  BETTER_AUTH_URL: "http://localhost:3000",
  ...extra,
});
