// The package's entries, read from their one home: tsdown.config.ts ENTRIES.
// ENTRIES is a plain object literal of `name: "src/file.ts"` pairs; reading it as text avoids a TS loader here.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../redocly.mjs";

/** `[name, source file]` for every entry, in declaration order. Throws when ENTRIES cannot be read. */
export function readEntries() {
  const config = readFileSync(join(ROOT, "tsdown.config.ts"), "utf8");
  const block = /export const ENTRIES = \{([\s\S]*?)\} as const;/.exec(config)?.[1] ?? "";
  const entries = [...block.matchAll(/^\s*"?([\w-]+)"?\s*:\s*"([^"]+)"/gm)].map((m) => [m[1], m[2]]);
  if (!entries.length) throw new Error("could not read ENTRIES from tsdown.config.ts");
  return entries;
}
