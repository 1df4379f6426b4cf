// npm run docs → docs-out/ (gitignored):
//   docs-out/api.html   the API reference of the effective spec (generated/openapi.yaml), one static HTML file,
//                       rendered by `redocly build-docs` through scripts/redocly.mjs (telemetry and notices off).
//   docs-out/client/    TypeDoc for the package's public surface: the main entry and paradigm-client/mock.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { quietEnv, ROOT, redocly } from "./redocly.mjs";

const require = createRequire(import.meta.url);
const OUT = join(ROOT, "docs-out");
const API = join(OUT, "api.html");
const CLIENT = join(OUT, "client");

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT);

let t = performance.now();
const r = redocly(["build-docs", "generated/openapi.yaml", "--output", API, "--title", "Paradigm API v2 reference"]);
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
const blockTags = [...OptionDefaults.blockTags, "@description"].flatMap((tag) => ["--blockTags", tag]);
const td = spawnSync(
  process.execPath,
  [
    typedoc,
    ...["--entryPoints", "src/index.ts", "--entryPoints", "src/mock.ts"],
    ...["--tsconfig", "tsconfig.json", "--out", CLIENT, "--name", "paradigm-client"],
    // The public surface only; a missing doc comment or a broken {@link} fails the run.
    ...["--excludePrivate", "--excludeInternal", "--treatWarningsAsErrors"],
    ...["--readme", "none", "--disableSources", "--githubPages", "false"],
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
console.log(`docs: ${join(CLIENT, "index.html")} in ${Math.round(performance.now() - t)} ms`);
