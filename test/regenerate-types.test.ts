// Proves the types of rate() come from the spec: change the spec in a scratch copy, run the real
// `npm run generate` there, and the compiler's verdict on the same calls flips, with no edit in src/.
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const require = createRequire(import.meta.url);
const ROOT = join(import.meta.dirname, "..");
const tsc = require.resolve("typescript/bin/tsc");
let dir = "";

function typecheck(code: string): string {
  writeFileSync(join(dir, "src", "probe.ts"), code);
  writeFileSync(join(dir, "tsconfig.probe.json"), JSON.stringify({ extends: "./tsconfig.json", include: ["src"] }));
  const r = spawnSync(process.execPath, [tsc, "--noEmit", "-p", "tsconfig.probe.json"], { cwd: dir, encoding: "utf8" });
  return r.stdout + r.stderr;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "paradigm-regen-"));
  for (const p of ["scripts", "openapi", "src", "generated", "redocly.yaml", "tsconfig.json", "package.json"])
    cpSync(join(ROOT, p), join(dir, p), { recursive: true });
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  // The change a new spec might bring: feedback_type_id becomes a string, completion_id an integer, and tag
  // becomes required.
  const spec = readFileSync(join(dir, "openapi", "openapi-v2.yaml"), "utf8")
    .replace(/name: feedback_type_id\n(\s+)schema:\n\s+type: integer/, "name: feedback_type_id\n$1schema:\n$1  type: string")
    .replace(/name: completion_id\n(\s+)schema:\n\s+type: string/, "name: completion_id\n$1schema:\n$1  type: integer")
    .replace("      required:\n        - display_value", "      required:\n        - display_value\n        - tag");
  expect(spec).toMatch(/feedback_type_id\n\s+schema:\n\s+type: string\n/);
  expect(spec).toMatch(/completion_id\n\s+schema:\n\s+type: integer\n/);
  writeFileSync(join(dir, "openapi", "openapi-v2.yaml"), spec);
  execFileSync(process.execPath, ["scripts/generate.mjs"], { cwd: dir, stdio: "pipe" });
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a regenerated spec changes rate()'s compile-time types with no edit in src/", () => {
  it("accepts a string feedback_type_id and an integer completion_id, and refuses the old types", () => {
    const out = typecheck(`import { createParadigmClient } from "./client/index.ts";
const c = createParadigmClient({ apiKey: "k" });
void c.rate("3", 7, { tag: "t" });
void c.rate(3, 7, { tag: "t" });
void c.rate("3", "cmpl", { tag: "t" });
`);
    expect(out).toMatch(/probe\.ts\(4,\d+\): error TS2345: Argument of type 'number' is not assignable to parameter of type 'string'/);
    expect(out).toMatch(/probe\.ts\(5,\d+\): error TS2345: Argument of type 'string' is not assignable to parameter of type 'number'/);
    expect(out).not.toMatch(/probe\.ts\(3,/);
  }, 60_000);

  it("keeps the hand-written client compiling: a changed path parameter breaks callers only", () => {
    const out = typecheck("export {};\n");
    // Every hand-written file in src/, every entry: only the probe (a caller) may break.
    const errors = out.split("\n").filter((l) => /^src\//.test(l) && !l.startsWith("src/probe.ts("));
    expect(errors).toEqual([]);
  }, 60_000);

  it("makes a newly required field required", () => {
    const out = typecheck(`import { createParadigmClient } from "./client/index.ts";
void createParadigmClient({ apiKey: "k" }).rate("3", 7, { flag: true });
`);
    expect(out).toMatch(/probe\.ts\(2,\d+\): error TS2345:.*Property 'tag' is missing/s);
  }, 60_000);

  it("enforces the new rules at run time too, through the regenerated validator tables", () => {
    const tables = readFileSync(join(dir, "generated", "operations.ts"), "utf8");
    expect(tables).toMatch(/"name": "feedback_type_id",\s+"required": true,\s+"schema": \{\s+"type": "string"/);
    expect(tables).toMatch(/"required": \[\s+"display_value",\s+"tag"\s+\]/);
  });
});
