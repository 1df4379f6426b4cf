// npm run lint:spec: lints the effective spec (vendored document + overlays) with redocly.yaml.
// Fails on any error; warnings are printed and kept (see redocly.yaml for why each exists).
// Also fails when an overlay action's target matches nothing (Redocly would skip it silently).
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { overlayProblems, printOverlayProblems } from "./overlay-check.mjs";
import { ROOT, redocly } from "./redocly.mjs";
import { bundleEffectiveSpec, overlayFiles, VENDORED } from "./spec.mjs";

const dir = mkdtempSync(join(tmpdir(), "paradigm-lint-"));
let status = 1;
try {
  const file = join(dir, "openapi-v2.effective.yaml");
  writeFileSync(file, bundleEffectiveSpec());
  console.log(`lint:spec: ${VENDORED} + ${overlayFiles().length} overlay(s)`);
  const overlaysFail = printOverlayProblems(overlayProblems(ROOT, VENDORED, overlayFiles()), "lint:spec");
  status = redocly(["lint", file, "--config", join(ROOT, "redocly.yaml"), "--format", "stylish"], { echo: true }).status;
  if (overlaysFail) status = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (status !== 0) console.error("lint:spec: FAILED (errors above). Fix the spec with an overlay, or record a deviation in redocly.yaml.");
process.exit(status);
