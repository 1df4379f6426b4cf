// Builds the effective spec: LightOn's vendored document with our overlays applied, in order.
// lint-spec.mjs lints it and generate.mjs generates from it, so both see the same document.
// Every function takes the repo root, so the pipeline can run on a scratch copy (generate.mjs --root).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, redocly, redoclyAsync } from "./redocly.mjs";

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

/** The `redocly bundle` arguments that write the effective spec to `out`. */
function bundleArgs(root, out) {
  // Absolute paths: Redocly runs in this package's directory, which need not be `root`.
  const args = ["bundle", join(root, VENDORED), "-o", out, "--lint-config", "off"];
  for (const o of overlayFiles(root)) args.push("--overlay", join(root, o));
  return args;
}

/** Returns the effective spec as YAML text, or throws with Redocly's own words. */
export function bundleEffectiveSpec(root = ROOT) {
  const dir = mkdtempSync(join(tmpdir(), "paradigm-spec-"));
  try {
    const out = join(dir, "openapi.yaml");
    const r = redocly(bundleArgs(root, out));
    if (r.status !== 0) throw new Error(`redocly bundle failed:\n${r.stdout}${r.stderr}`);
    return readFileSync(out, "utf8");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * bundleEffectiveSpec, started in its own process: `text` resolves to the same YAML text (or rejects with
 * Redocly's words) while the caller works on. `cancel()` stops it and removes its scratch directory.
 */
export function startEffectiveSpecBundle(root = ROOT) {
  const dir = mkdtempSync(join(tmpdir(), "paradigm-spec-"));
  const out = join(dir, "openapi.yaml");
  const run = redoclyAsync(bundleArgs(root, out));
  const cleanUp = () => rmSync(dir, { recursive: true, force: true });
  const text = run.done
    .then((r) => {
      if (r.status !== 0) throw new Error(`redocly bundle failed:\n${r.stdout}${r.stderr}`);
      return readFileSync(out, "utf8");
    })
    .finally(cleanUp);
  // Handled here too, so a run cancelled before anyone awaits `text` is not an unhandled rejection.
  text.catch(() => {});
  return {
    text,
    cancel() {
      run.cancel();
      cleanUp();
    },
  };
}
