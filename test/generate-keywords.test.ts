// Patterns and keywords at generate time: a spec (test/fixtures/keywords-spec.yaml) whose patterns use
// escapes that are valid ECMAScript without the u flag but not with it (`\-`, `\_`, `\:`, `[\w-.]`),
// and keywords the validator used to drop (3.1 type arrays, uniqueItems, discriminator, const, formats),
// goes through this repo's generator into a scratch copy. Calls carrying those fields are then checked
// in the spec's meaning (no SyntaxError at call time), what is not enforced is reported by name, and a
// pattern with no clear ECMAScript meaning fails generate, naming operation, JSON path and pattern.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ValidationIssue } from "../src/core/errors.ts";
import type { OperationSpec, Outgoing } from "../src/spec/validate.ts";

const ROOT = join(import.meta.dirname, "..");
const FIXTURE = join(ROOT, "test", "fixtures", "keywords-spec.yaml");
let dir = "";
let output = "";

interface ScratchValidate {
  operationSpec(method: string, path: string): OperationSpec | undefined;
  validateOperation(op: OperationSpec, req: Outgoing): ValidationIssue[];
}
const generate = (root: string) => {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "generate.mjs"), "--root", root, "--force"], { encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
};
/** A scratch root with `spec` as its vendored document (no overlays: they patch LightOn's document). */
const scratch = (spec: string, withSrc = false) => {
  const d = mkdtempSync(join(tmpdir(), "paradigm-keywords-"));
  mkdirSync(join(d, "openapi"));
  writeFileSync(join(d, "openapi", "openapi-v2.yaml"), spec);
  if (withSrc) {
    cpSync(join(ROOT, "src"), join(d, "src"), { recursive: true });
    writeFileSync(join(d, "package.json"), '{ "type": "module" }\n');
    symlinkSync(join(ROOT, "node_modules"), join(d, "node_modules"), "dir");
  }
  return d;
};

beforeAll(() => {
  dir = scratch(readFileSync(FIXTURE, "utf8"), true);
  const r = generate(dir);
  expect(r.status, r.out).toBe(0);
  output = r.out;
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a spec with u-invalid escapes and once-dropped keywords, generated", () => {
  const validator = async () => {
    const { operationSpec, validateOperation } = (await import(pathToFileURL(join(dir, "src", "spec", "validate.ts")).href)) as ScratchValidate;
    return (method: string, path: string, req: Outgoing) => {
      const op = operationSpec(method, path);
      if (!op) throw new Error(`no table for ${method} ${path}`);
      return validateOperation(op, req).map((i) => `${i.path} ${i.message}`);
    };
  };

  it("checks every pattern in the spec's meaning, with no SyntaxError at call time", async () => {
    const check = await validator();
    const thing = (code: string, body: object) => check("POST", "/things/{code}", { path: { code }, body });
    expect(thing("abc-12", { handle: "_:ok", slug: "a-b.c_d", ext: "x.tar.gz" })).toEqual([]);
    expect(thing("abc-12", { ext: "a&b" })).toEqual([]);
    expect(thing("abc-12", { ext: "x y" })).toEqual([]);
    expect(thing("abc_12", { handle: ":_ok", slug: "a b", ext: "x.zip" })).toEqual([
      "$.path.code must match ^[a-z]+\\-[0-9]+$",
      "$.body.handle must match ^\\_\\:[a-z]+$",
      "$.body.slug must match ^[\\w-.]+$",
      "$.body.ext must match (?:tar\\.gz|a\\&b|x\\ y)$",
    ]);
  });

  it("enforces multipleOf on decimals, type arrays, uniqueItems, int32, const and the discriminator", async () => {
    const check = await validator();
    const thing = (body: object) => check("POST", "/things/{code}", { path: { code: "a-1" }, body });
    expect(thing({ price: 0.3, note: null, tags: ["a", "b"], count: 2 ** 31 - 1, kind: "thing" })).toEqual([]);
    expect(thing({ price: 0.35, note: 4, tags: ["a", "a"], count: 2 ** 31, kind: "other" })).toEqual([
      "$.body.price must be a multiple of 0.1",
      "$.body.note must be string or null, got 4",
      "$.body.tags must have unique items ([0] and [1] are equal)",
      "$.body.count must be ≤ 2147483647",
      '$.body.kind must be one of ["thing"]',
    ]);
    const pet = (body: object) => check("POST", "/pets", { body });
    // Without the discriminator, a cat also matches Dog (every Cat property is a Dog property): oneOf would fail.
    expect(pet({ pet_type: "cat", name: "Tom" })).toEqual([]);
    expect(pet({ pet_type: "dog", name: "Rex", barks: true })).toEqual([]);
    expect(pet({ pet_type: "cat", barks: true })).toEqual([expect.stringMatching(/^\$\.body\.barks is not a property the spec declares/)]);
    expect(pet({ pet_type: "cow" })).toEqual(['$.body.pet_type must be one of ["cat","dog"]']);
    expect(pet({ name: "?" })).toEqual(['$.body.pet_type must be one of ["cat","dog"]']);
  });

  it("reports what it rewrote and what it does not enforce, by keyword, JSON path and operation", () => {
    const lines = output.split("\n").filter((l) => /^generate: (REWRITE|NOT ENFORCED|ERROR)/.test(l));
    expect(lines).toEqual([
      "generate: REWRITE pattern `^\\_\\:[a-z]+$` at $.components.schemas.Thing.properties.handle.pattern (POST /things/{code}): checked as `^_:[a-z]+$` (the same meaning; the original is invalid under the u flag JSON Schema uses)",
      "generate: REWRITE pattern `^[\\w-.]+$` at $.components.schemas.Thing.properties.slug.pattern (POST /things/{code}): checked as `^[\\w\\-.]+$` (the same meaning; the original is invalid under the u flag JSON Schema uses)",
      "generate: REWRITE pattern `(?:tar\\.gz|a\\&b|x\\ y)$` at $.components.schemas.Thing.properties.ext.pattern (POST /things/{code}): checked as `(?:tar\\.gz|a&b|x y)$` (the same meaning; the original is invalid under the u flag JSON Schema uses)",
      "generate: REWRITE pattern `^[a-z]+\\-[0-9]+$` at $.paths['/things/{code}'].post.parameters[0].schema.pattern (POST /things/{code}): checked as `^[a-z]+-[0-9]+$` (the same meaning; the original is invalid under the u flag JSON Schema uses)",
      "generate: NOT ENFORCED format: date-time at $.components.schemas.Thing.properties.created (POST /things/{code}): not checked before sending (the server checks it, often more leniently than its RFC)",
      "generate: NOT ENFORCED format: colour at $.components.schemas.Thing.properties.colour (POST /things/{code}): an unknown format: not checked before sending",
      "generate: NOT ENFORCED patternProperties at $.components.schemas.Thing.properties.labels (POST /things/{code}): a validation keyword the validator does not implement: not checked before sending",
    ]);
    // The same report heads generated/operations.ts, and the patterns are regex literals compiled at load.
    const ops = readFileSync(join(dir, "generated", "operations.ts"), "utf8");
    expect(ops).toContain("//   NOT ENFORCED format: colour at $.components.schemas.Thing.properties.colour");
    expect(ops).toContain('  "^[a-z]+\\\\-[0-9]+$": /^[a-z]+-[0-9]+$/u,\n');
    // Unused's `^\Z` is in no request's reach: left out, not compiled, not an error.
    expect(ops).not.toContain("\\\\Z");
  });

  it("fails generate, naming operation, JSON path and pattern, when a pattern has no clear ECMAScript meaning; nothing is written", () => {
    const text = readFileSync(FIXTURE, "utf8");
    const bad = text
      .replace("pattern: ^\\_\\:[a-z]+$", "pattern: ^[A-Z]+\\Z")
      .replace("pattern: ^[a-z]+\\-[0-9]+$", "pattern: ^(?i)[a-z]+$")
      .replace("title: keywords", "title: keywords (bad)");
    expect(bad).toContain("^[A-Z]+\\Z");
    expect(bad).toContain("^(?i)[a-z]+$");
    const d = scratch(bad);
    try {
      const r = generate(d);
      expect(r.status).toBe(1);
      expect(r.out).toContain(
        "generate: ERROR pattern `^[A-Z]+\\Z` at $.components.schemas.Thing.properties.handle.pattern (POST /things/{code}): `\\Z` is not an ECMAScript escape",
      );
      expect(r.out).toMatch(
        /generate: ERROR pattern `\^\(\?i\)\[a-z\]\+\$` at \$\.paths\['\/things\/\{code\}'\]\.post\.parameters\[0\]\.schema\.pattern \(POST \/things\/\{code\}\): Invalid regular expression/,
      );
      expect(r.out).toMatch(/generate: FAILED: 2 pattern\(s\) the validator cannot run \(above\); nothing written\./);
      expect(() => readFileSync(join(d, "generated", "operations.ts"))).toThrow(/ENOENT/);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  }, 60_000);
});
