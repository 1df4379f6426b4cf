// Files shipped beside the code (generated/openapi.yaml, package.json), found from wherever the code runs: src/<entry>/
// from a clone, or dist/ from the installed package. A fixed "../.." would be right for one of them only.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The absolute path of `relative` in this package, looked up from `moduleUrl` (the caller's import.meta.url). */
export function packageFile(relative: string, moduleUrl: string): string {
  let dir = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "paradigm-client") return join(dir, relative);
    const up = dirname(dir);
    if (up === dir) throw new Error(`paradigm-client: cannot find its package.json above ${fileURLToPath(moduleUrl)}`);
    dir = up;
  }
}
