// A next version as drf-spectacular writes it (test/fixtures/drf-like-next.yaml, hand-written in its
// shape): a list/detail schema repeats the display_value oneOf, a FileField is `string, format: uri` in a
// component shared by request and response, and a Django pattern uses `\-`. With this repo's overlays it
// lints and generates in a scratch copy; the FileField is flagged by name with the overlay that fixes it,
// and that overlay (openapi/overlays/examples/file-field-binary.yaml) makes the upload validate.
import { spawnSync } from "node:child_process";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { ValidationIssue } from "../src/core/errors.ts";
import type { OperationSpec, Outgoing } from "../src/spec/validate.ts";

const ROOT = join(import.meta.dirname, "..");
const FIXTURE = join(ROOT, "test", "fixtures", "drf-like-next.yaml");
const TEMPLATE = join(ROOT, "openapi", "overlays", "examples", "file-field-binary.yaml");
let dir = "";

interface ScratchValidate {
  operationSpec(method: string, path: string): OperationSpec | undefined;
  validateOperation(op: OperationSpec, req: Outgoing): ValidationIssue[];
}
interface OverlayCheck {
  query(doc: unknown, expr: string): { key: string | number | null; value: unknown }[];
}
const run = (script: string, ...args: string[]) => {
  const r = spawnSync(process.execPath, [join(dir, "scripts", script), ...args], { cwd: dir, encoding: "utf8" });
  return { status: r.status, out: r.stdout + r.stderr };
};
type Schema = { oneOf?: { type?: string }[]; properties?: Record<string, Schema> };
const effective = () => parse(readFileSync(join(dir, "generated", "openapi.yaml"), "utf8")) as { components: { schemas: Record<string, Schema> } };

let first = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "paradigm-drf-like-"));
  first = dir;
  mkdirSync(join(dir, "openapi"));
  cpSync(join(ROOT, "openapi", "overlays"), join(dir, "openapi", "overlays"), { recursive: true });
  copyFileSync(FIXTURE, join(dir, "openapi", "openapi-v2.yaml"));
  for (const p of ["src", "scripts", "redocly.yaml"]) cpSync(join(ROOT, p), join(dir, p), { recursive: true });
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
});
afterAll(() => {
  for (const d of [first, `${first}-fixed`]) if (first) rmSync(d, { recursive: true, force: true });
});

describe("a drf-spectacular-shaped next version, with this repo's overlays", () => {
  let generated = { status: null as number | null, out: "" };

  it("lints: the display_value fix follows the oneOf into every schema that repeats it", async () => {
    const lint = run("lint-spec.mjs");
    expect(lint.out).not.toMatch(/no-illogical-composition-keywords/);
    expect(lint.status, lint.out).toBe(0);
    // The overlay's target, evaluated by overlay-check and applied by Redocly, finds the same two branches.
    const { query } = (await import(pathToFileURL(join(ROOT, "scripts", "overlay-check.mjs")).href)) as OverlayCheck;
    const target = (parse(readFileSync(join(ROOT, "openapi", "overlays", "10-display-value-oneof.yaml"), "utf8")) as { actions: { target: string }[] })
      .actions[0]?.target as string;
    expect(query(parse(readFileSync(FIXTURE, "utf8")), target)).toHaveLength(2);
    generated = run("generate.mjs");
    expect(generated.status, generated.out).toBe(0);
    const { schemas } = effective().components;
    for (const name of ["Feedback", "FeedbackDetail"])
      expect(
        schemas[name]?.properties?.display_value?.oneOf?.map((b) => b.type),
        name,
      ).toEqual(["boolean", "string", "number"]);
  }, 60_000);

  it("flags the FileField typed as a URL by name, with the overlay that fixes it; the Blob is refused until then", async () => {
    expect(generated.out).toContain(
      "generate: FILE FIELD? $.components.schemas.Document.properties.file (POST /api/v2/documents) is `type: string, format: uri` in a multipart/form-data request body.",
    );
    expect(generated.out).toContain("copy openapi/overlays/examples/file-field-binary.yaml into openapi/overlays/");
    expect(generated.out).toContain(
      "generate: REWRITE pattern `^[A-Z]{2}\\-[0-9]+$` at $.components.schemas.Document.properties.reference.pattern (POST /api/v2/documents): checked as `^[A-Z]{2}-[0-9]+$`",
    );
    const { operationSpec, validateOperation } = (await import(pathToFileURL(join(dir, "src", "spec", "validate.ts")).href)) as ScratchValidate;
    const op = operationSpec("POST", "/api/v2/documents");
    if (!op) throw new Error("no table for POST /api/v2/documents");
    const upload = { body: { file: new Blob(["%PDF"]), title: "t", reference: "AB-12" }, mediaType: "multipart/form-data" };
    expect(validateOperation(op, upload).map((i) => `${i.path} ${i.message}`)).toEqual(["$.body.file must be string, got object"]);
  }, 60_000);

  it("with the template overlay applied, the flag is gone and an upload validates; a wrong file value is still refused", async () => {
    // Another copy: this process has the first copy's tables loaded (modules are cached by path).
    const fixed = `${dir}-fixed`;
    cpSync(dir, fixed, { recursive: true });
    dir = fixed;
    copyFileSync(TEMPLATE, join(dir, "openapi", "overlays", "20-document-file.yaml")); // its targets are Document.file
    const r = run("generate.mjs");
    expect(r.status, r.out).toBe(0);
    expect(r.out).not.toContain("FILE FIELD?");
    expect(run("lint-spec.mjs").status).toBe(0);
    const { operationSpec, validateOperation } = (await import(pathToFileURL(join(dir, "src", "spec", "validate.ts")).href)) as ScratchValidate;
    const op = operationSpec("POST", "/api/v2/documents");
    if (!op) throw new Error("no table for POST /api/v2/documents");
    const check = (body: object) => validateOperation(op, { body, mediaType: "multipart/form-data" }).map((i) => `${i.path} ${i.message}`);
    expect(check({ file: new Blob(["%PDF"]), title: "t", reference: "AB-12" })).toEqual([]);
    expect(check({ file: 42, title: "t", reference: "AB_12" })).toEqual([
      "$.body.file must match at least one of the allowed schemas (0 matched)",
      "$.body.reference must match ^[A-Z]{2}\\-[0-9]+$",
    ]);
    // The request type takes a Blob; the response type still has the URL string.
    expect(readFileSync(join(dir, "generated", "schema.ts"), "utf8")).toMatch(/file: Blob \| string;/);
  }, 60_000);
});

// The real thing, when present: drf-spectacular 0.25's own output for the DRF reference server's next mode
// (test/fixtures/drf-next-spec.yaml, generated by test/reference-server/export-schema.sh).
const REAL = join(ROOT, "test", "fixtures", "drf-next-spec.yaml");
describe.skipIf(!existsSync(REAL))("drf-spectacular's own next version (test/fixtures/drf-next-spec.yaml)", () => {
  it("lints and generates with this repo's overlays: no oneOf keeps an integer branch next to number, and every FileField is flagged", () => {
    const d = mkdtempSync(join(tmpdir(), "paradigm-drf-real-"));
    try {
      mkdirSync(join(d, "openapi"));
      cpSync(join(ROOT, "openapi", "overlays"), join(d, "openapi", "overlays"), { recursive: true });
      copyFileSync(REAL, join(d, "openapi", "openapi-v2.yaml"));
      for (const p of ["scripts", "redocly.yaml"]) cpSync(join(ROOT, p), join(d, p), { recursive: true });
      symlinkSync(join(ROOT, "node_modules"), join(d, "node_modules"), "dir");
      const exec = (script: string) => {
        const r = spawnSync(process.execPath, [join(d, "scripts", script)], { cwd: d, encoding: "utf8" });
        return { status: r.status, out: r.stdout + r.stderr };
      };
      const lint = exec("lint-spec.mjs");
      expect(lint.status, lint.out).toBe(0);
      const gen = exec("generate.mjs");
      expect(gen.status, gen.out).toBe(0);
      const text = readFileSync(join(d, "generated", "openapi.yaml"), "utf8");
      const overlapping: string[] = [];
      const walk = (node: unknown, at: string) => {
        if (!node || typeof node !== "object") return;
        const types = ((node as Schema).oneOf ?? []).map((b) => b.type);
        if (types.includes("number") && types.includes("integer")) overlapping.push(at);
        for (const [k, v] of Object.entries(node)) walk(v, `${at}.${k}`);
      };
      walk(parse(text), "$");
      expect(overlapping).toEqual([]);
      // Every multipart request field typed `string, format: uri` is named, with the overlay that fixes it.
      const flagged = gen.out.split("\n").filter((l) => l.startsWith("generate: FILE FIELD? "));
      for (const l of flagged) expect(l).toContain("openapi/overlays/examples/file-field-binary.yaml");
      expect(flagged.length).toBeGreaterThan(0);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  }, 60_000);
});
