// npm run build: tsdown (tsdown.config.ts) → dist/, then checks that package.json publishes exactly what was built:
// every entry in ENTRIES is reachable through "exports" (or "bin"), and every file package.json points at exists.
// A new entry that is built but not exported (or exported but not built) fails here, not in a user's install.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { readEntries } from "./lib/entries.mjs";
import { ROOT } from "./redocly.mjs";

const require = createRequire(import.meta.url);
const tsdown = join(require.resolve("tsdown/package.json"), "..", "dist", "run.mjs");
const started = performance.now();
const r = spawnSync(process.execPath, [tsdown, "--config", "tsdown.config.ts", "--logLevel", "warn"], { cwd: ROOT, stdio: "inherit" });
if (r.status !== 0) process.exit(r.status ?? 1);

const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const entries = readEntries().map(([name]) => name);
const problems = [];

const targets = (node) => (typeof node === "string" ? [node] : node && typeof node === "object" ? Object.values(node).flatMap(targets) : []);
const bins = typeof pkg.bin === "string" ? [pkg.bin] : Object.values(pkg.bin ?? {});
for (const name of entries) {
  const key = name === "index" ? "." : `./${name}`;
  const expected = [`./dist/${name}.mjs`, `./dist/${name}.cjs`, `./dist/${name}.d.mts`, `./dist/${name}.d.cts`];
  const exported = targets(pkg.exports?.[key]);
  if (exported.length) {
    for (const f of expected) if (!exported.includes(f)) problems.push(`exports["${key}"] does not point at ${f}`);
    // TypeScript's legacy "node" resolution ignores "exports"; typesVersions gives it the subpath's types.
    if (key !== "." && !pkg.typesVersions?.["*"]?.[name]) problems.push(`typesVersions["*"]["${name}"] is missing (needed by moduleResolution node10)`);
  } else if (!bins.some((b) => b.replace(/^\.\//, "") === `dist/${name}.mjs` || b.replace(/^\.\//, "") === `dist/${name}.cjs`)) {
    problems.push(`entry "${name}" is built but neither exports["${key}"] nor "bin" points at it`);
  }
}
const referenced = [...targets(pkg.exports), pkg.main, pkg.module, pkg.types, ...bins, ...targets(pkg.typesVersions)].filter(Boolean);
for (const f of new Set(referenced)) if (!existsSync(join(ROOT, f))) problems.push(`package.json points at ${f}, which the build did not produce`);
for (const f of pkg.files ?? []) if (!existsSync(join(ROOT, f))) problems.push(`"files" lists ${f}, which does not exist`);

// tsdown.config.ts's cjsInterop plugin: a node-mode interop flag left in CJS output breaks default imports under require().
for (const f of readdirSync(join(ROOT, "dist")).filter((n) => n.endsWith(".cjs"))) {
  if (/__toESM\([^()]*, 1\)/.test(readFileSync(join(ROOT, "dist", f), "utf8"))) problems.push(`dist/${f} keeps node-mode interop (__toESM(x, 1))`);
}

if (problems.length) {
  console.error(`build: package.json and the build disagree:\n  - ${problems.join("\n  - ")}`);
  process.exit(1);
}
console.log(`build: ${entries.length} entries (${entries.join(", ")}) → dist/ as ESM, CJS and .d.ts in ${Math.round(performance.now() - started)} ms`);
