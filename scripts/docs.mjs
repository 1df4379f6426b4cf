// npm run docs → docs-out/ (gitignored):
//   docs-out/api.html   the API reference of the effective spec (generated/openapi.yaml), one static HTML file,
//                       rendered by `redocly build-docs` through scripts/redocly.mjs (telemetry and notices off).
//                       Tags that hold no operation are left out of the page (the vendor's document lists 12).
//   docs-out/client/    TypeDoc for every public library entry in tsdown.config.ts ENTRIES (the `cli` entry is a
//                       command, documented in the README), opening on the README.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { readEntries } from "./lib/entries.mjs";
import { quietEnv, ROOT, redocly } from "./redocly.mjs";

const require = createRequire(import.meta.url);
const OUT = join(ROOT, "docs-out");
const API = join(OUT, "api.html");
const CLIENT = join(OUT, "client");

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT);

let t = performance.now();
// Redoc draws a group for every declared tag, even one no operation carries; render a copy without those.
const spec = parse(readFileSync(join(ROOT, "generated/openapi.yaml"), "utf8"));
const used = new Set(Object.values(spec.paths ?? {}).flatMap((item) => Object.values(item ?? {}).flatMap((op) => op?.tags ?? [])));
spec.tags = (spec.tags ?? []).filter((t) => used.has(t.name));
const rendered = join(OUT, "openapi.yaml");
writeFileSync(rendered, stringify(spec));
const r = redocly(["build-docs", rendered, "--output", API, "--title", "Paradigm API v2 reference"]);
if (r.status !== 0 || !existsSync(API)) {
  process.stderr.write(r.stdout + r.stderr);
  console.error("docs: redocly build-docs failed");
  process.exit(1);
}
// build-docs renders the page shell and hydrates it with Redoc loaded from cdn.redocly.com: offline, the operations
// never appear. The CLI ships that exact bundle (same sha384 as the page's integrity attribute), so it is inlined as
// a data: module and the page needs no network at all.
const bundlePath = join(require.resolve("@redocly/cli/package.json"), "..", "lib", "chunks", "redoc.standalone.js");
let html = readFileSync(API, "utf8");
const cdn = /https:\/\/cdn\.redocly\.com\/redoc\/[^"]+\/redoc\.standalone\.js/.exec(html)?.[0];
if (cdn && existsSync(bundlePath)) {
  const bundle = readFileSync(bundlePath);
  const expected = /integrity="(sha384-[^"]+)"/.exec(html)?.[1];
  const actual = `sha384-${createHash("sha384").update(bundle).digest("base64")}`;
  if (expected !== actual) {
    console.error(`docs: the CLI's redoc.standalone.js (${actual}) is not the bundle the page expects (${expected})`);
    process.exit(1);
  }
  html = html
    .replace(/\s*<link rel="modulepreload" href="https:\/\/cdn\.redocly\.com[^>]*>/, "")
    .replace(`from "${cdn}"`, () => `from "data:text/javascript;base64,${bundle.toString("base64")}"`);
  writeFileSync(API, html);
}
// Resources the page loads (scripts, styles, module imports); plain <a href> links are fine.
const remote = [...new Set(html.match(/(?:src=|from\s+|<link[^>]*href=)["']https?:\/\/[^"']+/g) ?? [])];
if (remote.length) {
  console.error(`docs: ${API} still loads remote resources:\n  ${remote.join("\n  ")}`);
  process.exit(1);
}
console.log(`docs: ${API} (${statSync(API).size} B, self-contained) in ${Math.round(performance.now() - t)} ms`);

t = performance.now();
const typedoc = join(require.resolve("typedoc/package.json"), "..", "bin", "typedoc");
// openapi-typescript writes the spec's descriptions as @description tags; TypeDoc must know the tag.
const { OptionDefaults } = await import("typedoc");
// The package's entries are declared once, in tsdown.config.ts; the CLI is a command, not an importable API.
const libraryEntries = readEntries()
  .filter(([name]) => name !== "cli")
  .map(([, file]) => file);
const blockTags = [...OptionDefaults.blockTags, "@description"].flatMap((tag) => ["--blockTags", tag]);
const td = spawnSync(
  process.execPath,
  [
    typedoc,
    ...libraryEntries.flatMap((file) => ["--entryPoints", file]),
    ...["--tsconfig", "tsconfig.json", "--out", CLIENT, "--name", "paradigm-client"],
    // The public surface only; a missing doc comment or a broken {@link} fails the run.
    ...["--excludePrivate", "--excludeInternal", "--treatWarningsAsErrors"],
    ...["--readme", "README.md", "--disableSources", "--githubPages", "false"],
    ...blockTags,
    // Internal helper types (UndefinedOk, Writable, ...) appear inside public types on purpose, unexported.
    ...["--validation.notExported", "false"],
  ],
  { cwd: ROOT, env: quietEnv, stdio: "inherit" },
);
if (td.status !== 0 || !existsSync(join(CLIENT, "index.html"))) {
  console.error("docs: typedoc failed");
  process.exit(td.status || 1);
}
console.log(`docs: ${join(CLIENT, "index.html")} (${libraryEntries.join(", ")}) in ${Math.round(performance.now() - t)} ms`);
