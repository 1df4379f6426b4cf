// Where `generate` spends its time on a large spec: each phase of scripts/generate.mjs timed alone, using the
// repo's own modules (spec.mjs, overlay-check.mjs) on a scratch copy, plus the faster parsers it could use.
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
// The scratch copy's node_modules is a link to the repo's, so these are the very packages generate.mjs loads.
const { parse } = await import("yaml");
const { default: openapiTS, astToString } = await import("openapi-typescript");
// js-yaml 4 is what Redocly itself parses YAML with (a dependency of @redocly/openapi-core).
const jsYaml = createRequire(require.resolve("@redocly/openapi-core"))("js-yaml");

const ms = {};
const time = async (name, fn) => {
  const t0 = performance.now();
  const v = await fn();
  ms[name] = performance.now() - t0;
  return v;
};

if (overlayCheck?.overlayWarnings)
  await time("overlay target check (yaml.parse + structuredClone of the vendored spec)", () => overlayCheck.overlayWarnings(dir, VENDORED, overlayFiles(dir)));
const text = await time("redocly bundle (child process)", () => bundleEffectiveSpec(dir));
const spec = await time("yaml.parse of the bundled spec", () => parse(text));
await time("  alternative: js-yaml load of the same text", () => jsYaml.load(text));
const json = JSON.stringify(spec);
await time("  alternative: JSON.parse (bundle emitted as JSON)", () => JSON.parse(json));
const ast = await time("openapi-typescript (openapiTS on the parsed object)", () =>
  openapiTS(spec, { readWriteMarkers: true, rootTypes: true, rootTypesNoSchemaPrefix: true }),
);
await time("astToString", () => astToString(ast));
process.stdout.write(`${JSON.stringify({ ms, bundleBytes: Buffer.byteLength(text), vendoredBytes: readFileSync(join(dir, VENDORED)).length })}\n`);
