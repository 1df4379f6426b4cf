// One throwaway PostgreSQL cluster for the postgres tier (test/fixtures/postgres.ts); tests read its URL with
// inject("pgUrl") and each uses its own table, so files can run in parallel.
import type { TestProject } from "vitest/node";
import { startPostgres } from "../fixtures/postgres.ts";

declare module "vitest" {
  export interface ProvidedContext {
    pgUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const pg = await startPostgres();
  project.provide("pgUrl", pg.url);
  return () => pg.stop();
}
