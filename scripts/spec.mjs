// Builds the effective spec: LightOn's vendored document with our overlays applied, in order.
// lint-spec.mjs lints it and generate.mjs generates from it, so both see the same document.
// Every function takes the repo root, so the pipeline can run on a scratch copy (generate.mjs --root).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, redocly } from "./redocly.mjs";

export const VENDORED = "openapi/openapi-v2.yaml";
export const OVERLAY_DIR = "openapi/overlays";

/** Overlay files, relative to the repo root, applied in file-name order. */
export function overlayFiles(root = ROOT) {
  let names = [];
  try {
    names = readdirSync(join(root, OVERLAY_DIR));
  } catch {
    return [];
  }
  return names
    .filter((n) => /\.ya?ml$/.test(n))
    .sort()
    .map((n) => `${OVERLAY_DIR}/${n}`);
}

/** Returns the effective spec as YAML text, or throws with Redocly's own words. */
export function bundleEffectiveSpec(root = ROOT) {
  const dir = mkdtempSync(join(tmpdir(), "paradigm-spec-"));
  try {
    const out = join(dir, "openapi.yaml");
    // Absolute paths: Redocly runs in this package's directory, which need not be `root`.
    const args = ["bundle", join(root, VENDORED), "-o", out, "--lint-config", "off"];
    for (const o of overlayFiles(root)) args.push("--overlay", join(root, o));
    const r = redocly(args);
    if (r.status !== 0) throw new Error(`redocly bundle failed:\n${r.stdout}${r.stderr}`);
    return readFileSync(out, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
