// Drift in CI: `npm run check:generated` (part of npm test) fails, naming the fix, when generated/ no
// longer matches its inputs: the spec, the overlays, the generator or its version, or a hand edit.
// And overlays: a target that matches nothing (Redocly skips it silently) fails generate and lint:spec.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = join(import.meta.dirname, "..");
let dir = "";

interface OverlayCheck {
  query(doc: unknown, expr: string): { key: string | number | null; value: unknown }[];
  checkOverlayTargets(spec: unknown, overlays: { file: string; text: string }[]): string[];
}
const overlayCheck = async () => (await import(pathToFileURL(join(ROOT, "scripts", "overlay-check.mjs")).href)) as OverlayCheck;

const run = (script: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [join(dir, "scripts", script), ...args], { cwd: dir, encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
};
const edit = (rel: string, f: (s: string) => string) => {
  const before = readFileSync(join(dir, rel), "utf8");
  const after = f(before);
  expect(after, `edit of ${rel} changed nothing`).not.toBe(before);
  writeFileSync(join(dir, rel), after);
};
const SPEC = "openapi/openapi-v2.yaml";
const OVERLAY = "openapi/overlays/10-display-value-oneof.yaml";
const pristine: Record<string, string> = {};

// A scratch copy of what the generator reads and writes, with node_modules as a directory of links
// so one test can give a package another version.
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "paradigm-drift-"));
  for (const p of ["scripts", "openapi", "generated", "redocly.yaml", "package.json"]) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
  mkdirSync(join(dir, "node_modules"));
  for (const name of readdirSync(join(ROOT, "node_modules"))) symlinkSync(join(ROOT, "node_modules", name), join(dir, "node_modules", name));
  for (const rel of [SPEC, OVERLAY, ...["openapi.yaml", "schema.ts", "operations.ts"].map((n) => `generated/${n}`)])
    pristine[rel] = readFileSync(join(dir, rel), "utf8");
});
beforeEach(() => {
  for (const [rel, text] of Object.entries(pristine)) writeFileSync(join(dir, rel), text);
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The edits below assume today's spec text; inside spec:update's tests step the spec is the incoming
// one, so these run in npm test only.
describe("check:generated in a scratch copy", () => {
  it("passes on the committed generated/, fails on each kind of staleness naming the fix, and the fix works", () => {
    expect(run("generate.mjs", "--check")).toMatchObject({ status: 0, out: expect.stringMatching(/generated\/ matches its inputs/) });

    const stale = (out: string) => {
      expect(out).toMatch(/check:generated: generated\/ is stale: .*generated\/operations\.ts/);
      expect(out).toContain("Fix: run `npm run generate` and commit generated/ with the change.");
    };
    // 1. The spec: the vendor tightened a limit the validator enforces.
    edit(SPEC, (s) => s.replace("maxLength: 120", "maxLength: 60"));
    let r = run("generate.mjs", "--check");
    expect(r.status).toBe(1);
    stale(r.out);
    expect(r.out).toMatch(/made from other inputs .*the spec, an overlay, or the generator/);
    // …and the named fix fixes it; the next run is a no-op.
    expect(run("generate.mjs").out).toMatch(/generate: wrote generated\/openapi\.yaml, generated\/schema\.ts, generated\/operations\.ts/);
    expect(readFileSync(join(dir, "generated", "operations.ts"), "utf8")).toContain('"maxLength": 60');
    expect(run("generate.mjs").out).toMatch(/generate: inputs unchanged \(\w+\); generated\/ is up to date\./);
    expect(run("generate.mjs", "--check").status).toBe(0);
    for (const [rel, text] of Object.entries(pristine)) writeFileSync(join(dir, rel), text);

    // 2. An overlay: a local fix changed (here: it now also drops the `string` branch).
    edit(OVERLAY, (s) => `${s}  - target: $.components.schemas.Feedback.properties.display_value.oneOf[?@.type == 'string']\n    remove: true\n`);
    r = run("generate.mjs", "--check");
    expect(r.status).toBe(1);
    stale(r.out);
    writeFileSync(join(dir, OVERLAY), pristine[OVERLAY] as string);

    // 3. The generator's version: openapi-typescript is "upgraded" (its package.json says so).
    const pkg = join(dir, "node_modules", "openapi-typescript");
    rmSync(pkg);
    mkdirSync(pkg);
    for (const f of readdirSync(join(ROOT, "node_modules", "openapi-typescript")))
      if (f !== "package.json") symlinkSync(join(ROOT, "node_modules", "openapi-typescript", f), join(pkg, f));
    const manifest = JSON.parse(readFileSync(join(ROOT, "node_modules", "openapi-typescript", "package.json"), "utf8"));
    writeFileSync(join(pkg, "package.json"), JSON.stringify({ ...manifest, version: "99.0.0" }));
    r = run("generate.mjs", "--check");
    rmSync(pkg, { recursive: true });
    symlinkSync(join(ROOT, "node_modules", "openapi-typescript"), pkg);
    expect(r.status).toBe(1);
    stale(r.out);

    // 4. The validator edited by hand: same inputs, other bytes.
    edit("generated/operations.ts", (s) => s.replace('"maxLength": 120', '"maxLength": 1200'));
    r = run("generate.mjs", "--check");
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/generated\/ is stale: generated\/operations\.ts\.\nIt was edited by hand/);
  }, 120_000);

  it("fails generate and lint:spec, naming the overlay file and target, when an overlay target no longer matches the spec", () => {
    // The vendor dropped the redundant `integer` branch itself: our overlay's target finds nothing.
    edit(SPEC, (s) => s.replace("              format: double\n            - type: integer\n", "              format: double\n"));
    const error =
      /ERROR overlay openapi\/overlays\/10-display-value-oneof\.yaml action 1: target `\$\.\.\[\?@\.oneOf\[\?@\.type == 'number'\] && @\.oneOf\[\?@\.type == 'integer'\]\]\.oneOf\[\?@\.type == 'integer'\]` matches nothing in the spec, so this local fix would not be applied/;
    const before = readFileSync(join(dir, "generated", "operations.ts"), "utf8");
    const gen = run("generate.mjs");
    expect(gen.status).toBe(1);
    expect(gen.out).toMatch(new RegExp(`generate: ${error.source}`));
    expect(gen.out).toContain("generate: nothing written.");
    expect(readFileSync(join(dir, "generated", "operations.ts"), "utf8")).toBe(before);
    const lint = run("lint-spec.mjs");
    expect(lint.status).toBe(1);
    expect(lint.out).toMatch(new RegExp(`lint:spec: ${error.source}`));
    expect(run("generate.mjs", "--check").status).toBe(1);
  }, 60_000);
});

describe("overlay target matching (RFC 9535 JSONPath, as Redocly applies it)", () => {
  const doc = {
    paths: { "/api/v2/files/{id}": { get: { operationId: "a" }, delete: { operationId: "b" } } },
    components: { schemas: { Feedback: { properties: { display_value: { oneOf: [{ type: "boolean" }, { type: "string" }, { type: "number" }] } } } } },
    "x-odd.key": [1, 2, 3],
  };

  it("follows dotted names, quoted names, indices (negative from the end) and wildcards", async () => {
    const { query } = await overlayCheck();
    const values = (expr: string) => query(doc, expr).map((n) => n.value);
    expect(values("$.components.schemas.Feedback.properties.display_value.oneOf[1]")).toEqual([{ type: "string" }]);
    expect(values("$.components.schemas.Feedback.properties.display_value.oneOf[-1].type")).toEqual(["number"]);
    expect(values("$.paths['/api/v2/files/{id}'].delete.operationId")).toEqual(["b"]);
    expect(values('$.paths["/api/v2/files/{id}"].*.operationId')).toEqual(["a", "b"]);
    expect(values("$['x-odd.key'][*]")).toEqual([1, 2, 3]);
    expect(values("$.components.schemas.Feedback.properties.display_value.oneOf[3]")).toEqual([]);
    expect(values("$.components.schemas.Nope.properties")).toEqual([]);
    expect(values("$")).toEqual([doc]);
  });

  it("follows descendants and filters (existence, comparisons, &&, ||, !, nested filters)", async () => {
    const { query } = await overlayCheck();
    const values = (expr: string) => query(doc, expr).map((n) => n.value);
    expect(values("$..operationId")).toEqual(["a", "b"]);
    expect(values("$.paths[?(@.get)]")).toEqual([doc.paths["/api/v2/files/{id}"]]);
    expect(values("$..oneOf[?@.type == 'number' || @.type == 'boolean'].type")).toEqual(["boolean", "number"]);
    expect(values("$..oneOf[?!(@.type == 'string')].type")).toEqual(["boolean", "number"]);
    expect(values("$..[?@.oneOf[?@.type == 'string']].oneOf[0].type")).toEqual(["boolean"]);
    expect(values("$..[?@.oneOf[?@.type == 'integer']]")).toEqual([]);
    expect(values("$['x-odd.key'][?@ > 1]")).toEqual([2, 3]);
    expect(values("$['x-odd.key'][0, -1]")).toEqual([1, 3]);
  });

  it("refuses syntax it does not implement instead of guessing", async () => {
    const { query } = await overlayCheck();
    expect(() => query(doc, "$['x-odd.key'][0:2]")).toThrow(/slices are not supported/);
    expect(() => query(doc, "$..[?length(@) > 1]")).toThrow(/function extensions are not supported/);
    expect(() => query(doc, "$.paths[?@.get")).toThrow(/unsupported JSONPath syntax/);
    expect(() => query(doc, "components")).toThrow(/must start with \$/);
  });

  it("finds today's overlays all matching today's spec", async () => {
    const { checkOverlayTargets } = await overlayCheck();
    const spec = parse(readFileSync(join(ROOT, SPEC), "utf8"));
    const dirOverlays = join(ROOT, "openapi", "overlays");
    const overlays = readdirSync(dirOverlays)
      .filter((f) => f.endsWith(".yaml"))
      .map((f) => ({ file: f, text: readFileSync(join(dirOverlays, f), "utf8") }));
    expect(overlays.length).toBeGreaterThan(0);
    expect(checkOverlayTargets(spec, overlays)).toEqual([]);
  });

  it("judges each action against the document the earlier actions produced", async () => {
    const { checkOverlayTargets } = await overlayCheck();
    const target = "$.components.schemas.Feedback.properties.display_value.oneOf";
    const text = `overlay: 1.0.0
info: { title: t, version: 1.0.0 }
actions:
  - target: ${target}[2]
    remove: true
  - target: ${target}[2]
    description: the array now has two items, so this matches nothing
    remove: true
  - target: $.components.schemas
    update: { Added: { type: string } }
  - target: $.components.schemas.Added
    update: { maxLength: 3 }
  - target: $..[?length(@) > 1]
    remove: true
`;
    const problems = checkOverlayTargets(doc, [{ file: "o.yaml", text }]);
    expect(problems).toEqual([
      expect.stringMatching(/^o\.yaml action 2: target `.*oneOf\[2\]` matches nothing in the spec/),
      expect.stringMatching(/^o\.yaml action 5: cannot check target: function extensions are not supported/),
    ]);
    expect(doc.components.schemas.Feedback.properties.display_value.oneOf).toHaveLength(3); // the caller's spec is not modified
  });
});
