// npm run typecheck:readme: every ```ts block in README.md is written to .readme-snippets/ and
// type-checked with the project's strict tsconfig ("paradigm-client" maps to src/client/index.ts).
// A block preceded by <!-- no-check --> is skipped (e.g. shell transcripts shown as ts).
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { ROOT } from "./redocly.mjs";

const require = createRequire(import.meta.url);
const dir = join(ROOT, ".readme-snippets");
const readme = readFileSync(join(ROOT, "README.md"), "utf8");
const blocks = [...readme.matchAll(/(<!-- no-check -->\s*)?```(?:ts|typescript)\n([\s\S]*?)```/g)].filter((m) => !m[1]).map((m) => m[2]);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir);
blocks.forEach((code, i) => {
  // Each snippet is its own module, so top-level names don't collide.
  writeFileSync(join(dir, `snippet-${String(i + 1).padStart(2, "0")}.ts`), `${code}\nexport {};\n`);
});
// tsc's include globs skip dot-directories, so the snippets get their own config extending the strict one.
writeFileSync(join(dir, "tsconfig.json"), JSON.stringify({ extends: "../tsconfig.json", include: ["*.ts"] }));
const tsc = require.resolve("typescript/bin/tsc");
const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", join(dir, "tsconfig.json")], { cwd: ROOT, stdio: "inherit" });
if (r.status === 0) {
  rmSync(dir, { recursive: true, force: true });
  console.log(`typecheck:readme: ${blocks.length} README snippet(s) type-check.`);
} else console.error("typecheck:readme: a README snippet does not type-check (see .readme-snippets/).");
process.exit(r.status ?? 1);
