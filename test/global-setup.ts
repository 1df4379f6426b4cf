// Starts one Prism mock from the effective spec for the whole run; tests read its URL with inject("prismUrl").
import type { TestProject } from "vitest/node";
import { startMock } from "../src/mock/index.ts";

declare module "vitest" {
  export interface ProvidedContext {
    prismUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const mock = await startMock();
  project.provide("prismUrl", mock.url);
  return () => mock.close();
}
