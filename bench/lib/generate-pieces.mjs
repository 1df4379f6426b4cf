// Where `generate` spends its time on a large spec: each phase of scripts/generate.mjs timed alone, in one
// process, using the scratch copy's own modules (spec.mjs, overlay-check.mjs, lib/tables.mjs), plus
// what the phases cost before they were cut (the `yaml` parse, the overlay check, ESM loading).
// Usage: node bench/lib/generate-pieces.mjs <scratch dir>   Prints one JSON line: ms per phase.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

const dir = resolve(process.argv[2]);
const require = createRequire(join(dir, "package.json"));
const at = (p) => pathToFileURL(join(dir, p)).href;
const { bundleEffectiveSpec, overlayFiles, VENDORED } = await import(at("scripts/spec.mjs"));
const overlayCheck = await import(at("scripts/overlay-check.mjs")).catch(() => undefined);
// Older copies kept the tables inside generate.mjs, which runs when imported: then they are not timed.
const tables = await import(at("scripts/lib/tables.mjs")).catch(() => ({}));

const ms = {};
const time = async (name, fn) => {
  const t0 = performance.now();
  const v = await fn();
  ms[name] = performance.now() - t0;
  return v;
};

// The scratch copy's node_modules is a link to the repo's, so these are the very packages generate.mjs loads.
const { default: openapiTS, astToString } = await time("load openapi-typescript + TypeScript (require, what generate does)", () =>
  require("openapi-typescript"),
);
const fromOts = createRequire(require.resolve("openapi-typescript"));
const { parseYaml } = fromOts("@redocly/openapi-core");
const { parse } = await import(pathToFileURL(require.resolve("yaml")).href);

const text = await time("redocly bundle (child process; overlaps the load above in generate)", () => bundleEffectiveSpec(dir));
const spec = await time("parse the bundle: js-yaml with Redocly's schema (what generate does)", () => parseYaml(text));
await time("  before: the yaml package", () => parse(text));
await time("  alternative: JSON.parse (were the bundle JSON)", () => JSON.parse(JSON.stringify(spec)));
if (overlayCheck?.overlayProblems && overlayFiles(dir).length === 0)
  await time("  before: overlay check with no overlay (yaml.parse + structuredClone of the vendored spec; now skipped)", () =>
    overlayCheck.overlayProblems(dir, VENDORED, []),
  );
const opts = { readWriteMarkers: true, rootTypes: true, rootTypesNoSchemaPrefix: true, silent: true };
const ast = await time("openapi-typescript (openapiTS on the parsed object)", () => openapiTS(structuredClone(spec), opts));
// openapi-typescript re-lints and re-bundles what it is given, then transforms; its lint + bundle timed alone too.
const { validateAndBundle } = await import(pathToFileURL(join(require.resolve("openapi-typescript"), "..", "lib", "redoc.mjs")).href).catch(() => ({}));
if (validateAndBundle) {
  const { createConfig } = fromOts("@redocly/openapi-core");
  const redoc = await createConfig({ rules: { "operation-operationId-unique": { severity: "error" } } }, { extends: ["minimal"] });
  await time("  of which openapi-typescript's own lint + bundle", () =>
    validateAndBundle(structuredClone(spec), { redoc, cwd: pathToFileURL(`${dir}/`), silent: true }),
  );
}
await time("astToString", () => astToString(ast));
if (tables.operationTables) await time("validator tables (operationTables)", () => tables.operationTables(spec));
process.stdout.write(`${JSON.stringify({ ms, bundleBytes: Buffer.byteLength(text), vendoredBytes: readFileSync(join(dir, VENDORED)).length })}\n`);
