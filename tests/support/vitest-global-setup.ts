import type { TestProject } from "vitest/node";
import { migratePostgres } from "./migrate";
import { startTestPostgres } from "./postgres";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

/** One real PostgreSQL server for the whole vitest run, migrated like production. */
export default async function setup(project: TestProject) {
  const postgres = await startTestPostgres("vitest");
  await migratePostgres(postgres.url);
  project.provide("postgresUrl", postgres.url);
  return () => postgres.stop();
}
