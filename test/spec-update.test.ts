// `npm run spec:update` end to end, on a scratch clone of this repo: today's spec → the next-version
// fixture → back again ends byte-for-byte where it started, except openapi/CHANGES.md, whose two
// entries name every operation added and removed. Failures stop at the right step, say why, and undo.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";

const ROOT = join(import.meta.dirname, "..");
const FIXTURE = "test/fixtures/next-spec.yaml";
const DRF_LIKE = "test/fixtures/drf-like-next.yaml";
const SPEC = "openapi/openapi-v2.yaml";
// This change's files, copied over the clone so the test runs the working tree's pipeline.
const OURS = [
  "scripts/spec-update.mjs",
  "scripts/generate.mjs",
  "scripts/spec.mjs",
  "scripts/lint-spec.mjs",
  "scripts/overlay-check.mjs",
  "scripts/lib/pattern.mjs",
  "scripts/lib/schema-report.mjs",
  "src/spec/validate.ts",
  "openapi/overlays/10-display-value-oneof.yaml",
  "openapi/overlays/examples/file-field-binary.yaml",
  DRF_LIKE,
  "openapi/CHANGES.md",
  FIXTURE,
  "generated/openapi.yaml",
  "generated/schema.ts",
  "generated/operations.ts",
];
let dir = "";
let outside = "";

const git = (...args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" });
const update = (...args: string[]) => {
  const r = spawnSync(process.execPath, ["scripts/spec-update.mjs", ...args], { cwd: dir, encoding: "utf8", env: { ...process.env, INIT_CWD: dir } });
  return { status: r.status, out: r.stdout + r.stderr };
};
const read = (rel: string) => readFileSync(join(dir, rel), "utf8");
const operations = (text: string) => {
  const doc = parse(text) as { paths: Record<string, Record<string, unknown>> };
  return Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
};
/** Writes a variant of today's spec outside the clone and returns its path. */
const variant = (name: string, from: string, to: string) => {
  const text = readFileSync(join(outside, "today.yaml"), "utf8");
  expect(text).toContain(from);
  const file = join(outside, name);
  writeFileSync(file, text.replace(from, to));
  return file;
};

beforeAll(() => {
  outside = mkdtempSync(join(tmpdir(), "paradigm-spec-update-"));
  dir = join(outside, "clone");
  execFileSync("git", ["clone", "--quiet", ROOT, dir]);
  for (const f of OURS) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(ROOT, f), join(dir, f));
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  appendFileSync(join(dir, ".git", "info", "exclude"), "node_modules\n"); // a symlink, which `node_modules/` does not match
  git("add", "--all");
  git("-c", "user.name=t", "-c", "user.email=t@t.invalid", "commit", "--quiet", "--allow-empty", "-m", "this change's working tree");
  copyFileSync(join(dir, SPEC), join(outside, "today.yaml"));
}, 60_000);

afterAll(() => {
  if (outside) rmSync(outside, { recursive: true, force: true });
});

// Not inside spec:update's own tests step: it would start an update from within an update.
describe("npm run spec:update on a scratch clone", () => {
  let afterLeg1: Record<string, string> = {};

  it("goes to the fixture and back, ending where it started except for CHANGES.md, which names every operation added and removed", () => {
    const today = operations(readFileSync(join(outside, "today.yaml"), "utf8"));
    const next = operations(read(FIXTURE));
    const added = next.filter((op) => !today.includes(op));
    const removed = today.filter((op) => !next.includes(op));
    expect(added.length).toBeGreaterThanOrEqual(6);

    const leg1 = update(FIXTURE, "--tests", "test/exports.test.ts", "--date", "2030-01-01");
    expect(leg1.out).toMatch(/\[6\/6\] tests: npm run test:unit -- test\/exports\.test\.ts/);
    expect(leg1.out).toMatch(/spec:update: done: .* \(minor; 6 operation\(s\) added, 0 removed\)/);
    expect(leg1.status).toBe(0);
    expect(read(SPEC)).toBe(read(FIXTURE));
    expect(read("generated/operations.ts")).toContain('"POST /api/v2/files"');
    afterLeg1 = Object.fromEntries([SPEC, "openapi/CHANGES.md", "generated/schema.ts", "generated/operations.ts"].map((f) => [f, read(f)]));

    const leg2 = update(join(outside, "today.yaml"), "--skip-tests", "--date", "2030-01-02");
    expect(leg2.status).toBe(0);
    expect(leg2.out).toMatch(/!! {2}MAJOR \(BREAKING\) SPEC CHANGE: 6 change\(s\) can break code that calls the API\./);
    expect(leg2.out).toMatch(/\[6\/6\] tests: skipped/);

    // Byte for byte: git sees one modified file, and generated/ is exactly the committed one.
    expect(git("status", "--porcelain", "--untracked-files=all")).toBe(" M openapi/CHANGES.md\n");
    const entries = git("diff", "--", "openapi/CHANGES.md")
      .split("\n")
      .filter((l) => l.startsWith("+") && !l.startsWith("+++"))
      .map((l) => l.slice(1))
      .join("\n")
      .split(/^(?=## )/m)
      .filter((e) => e.startsWith("## "));
    expect(entries.map((e) => e.split("\n")[0])).toEqual([
      expect.stringMatching(/^## 2030-01-02 · MAJOR · yakkety-yak \(v2\) → /),
      expect.stringMatching(/^## 2030-01-01 · MINOR · .* → yakkety-yak \(v2\)$/),
    ]);
    const [back = "", forth = ""] = entries;
    const section = (entry: string, title: string) => entry.split(`${title} (`)[1]?.split("\n\n")[0] ?? "";
    for (const op of added) {
      expect(section(forth, "Operations added")).toContain(`\`${op}\``);
      expect(section(back, "Operations removed")).toContain(`\`${op}\``);
    }
    expect(forth).toContain(removed.length ? "Operations removed (" : "Operations removed: none.");
    expect(back).toContain("Operations added: none.");
  }, 300_000);

  it("--restore undoes the last update: spec, generated/ and CHANGES.md as they were before it", () => {
    expect(Object.keys(afterLeg1)).not.toHaveLength(0);
    const r = update("--restore");
    expect(r.status).toBe(0);
    for (const [f, text] of Object.entries(afterLeg1)) expect(read(f), f).toBe(text);
    git("checkout", "--quiet", "--", ".");
    expect(git("status", "--porcelain")).toBe("");
  });

  it("stops at typecheck with the compiler's words when the change breaks the wrapper, and --dry-run leaves the tree untouched", () => {
    // The vendor renames the rate path: src/client/client.ts is written against the old one.
    const broken = variant("renamed.yaml", "/api/v2/rate/{feedback_type_id}/{completion_id}:", "/api/v2/ratings/{feedback_type_id}/{completion_id}:");
    const state = join(dir, ".cache", "spec-update", "openapi-v2.previous.yaml");
    const kept = existsSync(state) ? readFileSync(state, "utf8") : null;
    const r = update(broken, "--dry-run");
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/dry run in a scratch copy/);
    expect(r.out).toMatch(/FAILED at step 5\/6 "typecheck": `npm run typecheck` exited with 2: the regenerated types break code that uses them\./);
    expect(r.out).toMatch(/Why:\n(?:src\/.*\n)*src\/[\w/]+\.ts\(\d+,\d+\): error TS\d+: .*\/api\/v2\/rate\/\{feedback_type_id\}\/\{completion_id\}/);
    expect(r.out).toMatch(/!! {2}MAJOR \(BREAKING\) SPEC CHANGE/);
    expect(r.out).toMatch(/dry run FAILED \(see above\); nothing in .* was changed\./);
    expect(r.out).not.toContain("The tree now has the new spec");
    expect(git("status", "--porcelain", "--untracked-files=all")).toBe("");
    expect(existsSync(state) ? readFileSync(state, "utf8") : null).toBe(kept);
  }, 300_000);

  it("takes a drf-spectacular-shaped next version to the end, and flags its FileField typed as a URL, naming the overlay that fixes it", () => {
    const r = update(DRF_LIKE, "--dry-run", "--skip-tests", "--date", "2030-01-03");
    expect(r.out).toMatch(/\[2\/6\] lint: npm run lint:spec/);
    expect(r.out).not.toMatch(/no-illogical-composition-keywords/);
    expect(r.out).toContain(
      "spec:update: FLAG file upload typed as a URL: $.components.schemas.Document.properties.file (POST /api/v2/documents); fix: openapi/overlays/examples/file-field-binary.yaml",
    );
    expect(r.out).toMatch(/Needs a local fix \(1\): probably a file upload typed as a URL .* copy `openapi\/overlays\/examples\/file-field-binary\.yaml`/);
    expect(r.out).toContain("- `$.components.schemas.Document.properties.file` (`POST /api/v2/documents`)");
    expect(r.out).toContain("generate: FILE FIELD? $.components.schemas.Document.properties.file (POST /api/v2/documents)");
    expect(r.out).toMatch(/spec:update: done: .* \(minor; 3 operation\(s\) added, 0 removed\)/);
    expect(r.out).toMatch(/spec:update: 1 field\(s\) FLAGGED as a file upload typed as a URL/);
    expect(r.out).toMatch(/dry run succeeded; nothing in .* was changed\./);
    expect(r.status).toBe(0);
    expect(git("status", "--porcelain", "--untracked-files=all")).toBe("");
  }, 300_000);

  it("stops at the first failing step, says which and why, and --restore-on-failure puts everything back", () => {
    // No responses: invalid OpenAPI, so lint fails before anything is generated.
    const invalid = variant("invalid.yaml", "      responses:\n        '200':\n          description: No response body\n", "");
    const r = update(invalid, "--restore-on-failure");
    expect(r.status).toBe(1);
    expect(r.out).toMatch(/FAILED at step 2\/6 "lint": `npm run lint:spec` exited with 1: the new spec has lint errors\./);
    expect(r.out).toMatch(/Why:\n[\s\S]*responses/);
    expect(r.out).toMatch(/restored openapi\/openapi-v2\.yaml, openapi\/CHANGES\.md, generated\/openapi\.yaml/);
    expect(r.out).not.toMatch(/\[3\/6\]/);
    expect(git("status", "--porcelain", "--untracked-files=all")).toBe("");
  }, 120_000);

  it("refuses what is not an OpenAPI document, and reads a URL (here on loopback) the same as a file", async () => {
    const notSpec = join(outside, "not-a-spec.yaml");
    writeFileSync(notSpec, "hello: world\n");
    expect(update(notSpec)).toMatchObject({ status: 1, out: expect.stringMatching(/is not an OpenAPI document: it has no `openapi` field/) });
    const today = readFileSync(join(outside, "today.yaml"));
    const server = createServer((_, res) => res.end(today)).listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const { port } = server.address() as AddressInfo;
      // Async spawn: this process must keep serving while the child downloads.
      const child = spawn(process.execPath, ["scripts/spec-update.mjs", `http://127.0.0.1:${port}/openapi.yaml`], { cwd: dir });
      let out = "";
      child.stdout.on("data", (b) => {
        out += b;
      });
      const [code] = await once(child, "close");
      expect(out).toMatch(/http:\/\/127\.0\.0\.1:\d+\/openapi\.yaml is byte-identical to openapi\/openapi-v2\.yaml; nothing to do/);
      expect(code).toBe(0);
    } finally {
      server.close();
    }
    expect(git("status", "--porcelain", "--untracked-files=all")).toBe("");
  });
});
