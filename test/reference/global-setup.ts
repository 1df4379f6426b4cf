// Checks once, before any server starts, that Debian's Python has the stack the tier tests against, so a machine
// without it fails with one clear message instead of one timeout per file. Reports the tier's wall time.
import { execFileSync } from "node:child_process";
import type { TestProject } from "vitest/node";
import { PYTHON } from "../reference-server/start.ts";

declare module "vitest" {
  export interface ProvidedContext {
    referenceStack: { django: string; drf: string; spectacular: string };
  }
}

export default function setup(project: TestProject) {
  const started = performance.now();
  let versions: string;
  try {
    versions = execFileSync(
      PYTHON,
      ["-c", "import django, rest_framework, drf_spectacular as s; print(django.__version__, rest_framework.__version__, s.__version__)"],
      { encoding: "utf8" },
    ).trim();
  } catch (e) {
    throw new Error(
      `The reference tier needs ${PYTHON} with Django REST framework and drf-spectacular ` +
        "(apt-get install python3-djangorestframework python3-djangorestframework-spectacular; .ci/run does it).\n" +
        String(e),
    );
  }
  const [django = "", drf = "", spectacular = ""] = versions.split(" ");
  project.provide("referenceStack", { django, drf, spectacular });
  console.error(`reference tier: Django ${django}, DRF ${drf}, drf-spectacular ${spectacular}`);
  return () => console.error(`reference tier: ${((performance.now() - started) / 1000).toFixed(1)} s wall time`);
}
