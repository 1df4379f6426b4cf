// The next version as drf-spectacular writes it (test/fixtures/drf-next-spec.yaml, exported from the reference
// server in next mode) goes through `npm run spec:update` to the end, in a scratch copy of this working tree, and
// its new operations, typed through createApi(client) (paradigm-client/api), work against the reference server in next mode.
// The one local fix the user adds, as spec:update's report tells them: the FileField overlay, from
// openapi/overlays/examples/file-field-binary.yaml with its targets set to the flagged Attachment.file.
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { REFERENCE_KEY, useReference } from "./reference.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const FIXTURE = "test/fixtures/drf-next-spec.yaml";
const TEMPLATE = "openapi/overlays/examples/file-field-binary.yaml";
let dir = "";

// The fix spec:update names for Attachment.file: what openapi/overlays/examples/file-field-binary.yaml holds,
// with its targets set to the flagged property (checked against the template below).
const FILE_FIELD_OVERLAY = {
  overlay: "1.0.0",
  info: { title: "paradigm-client local fixes", version: "1.0.0" },
  actions: [
    { target: "$.components.schemas.Attachment.properties.file", remove: true },
    {
      target: "$.components.schemas.Attachment.properties",
      update: {
        file: {
          anyOf: [
            { type: "string", format: "binary", writeOnly: true },
            { type: "string", format: "uri", readOnly: true },
          ],
        },
      },
    },
  ],
};

const ref = useReference({ next: true });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "paradigm-drf-next-"));
  // The working tree as it is (tracked and new files, not ignored ones), so the test runs this change's pipeline.
  const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" })
    .split("\0")
    .filter(Boolean);
  for (const f of files) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    try {
      copyFileSync(join(ROOT, f), join(dir, f));
    } catch {
      // deleted in the working tree but still in the index
    }
  }
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(join(dir, "openapi/overlays/20-attachment-file.yaml"), stringify(FILE_FIELD_OVERLAY));
  copyFileSync(join(ROOT, "test/reference/next-smoke.ts.in"), join(dir, "test/next-smoke.ts"));
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a drf-spectacular next version", () => {
  it(`uses the FileField overlay as ${TEMPLATE} gives it, targets set to Attachment.file`, () => {
    const template = parse(readFileSync(join(ROOT, TEMPLATE), "utf8").replaceAll(".schemas.Document.", ".schemas.Attachment.")) as typeof FILE_FIELD_OVERLAY;
    expect({
      ...template,
      info: FILE_FIELD_OVERLAY.info,
      actions: template.actions.map(({ target, remove, update }) => ({ target, ...(remove ? { remove } : {}), ...(update ? { update } : {}) })),
    }).toEqual(FILE_FIELD_OVERLAY);
  });

  let update = { status: null as number | null, out: "" };

  it("goes through npm run spec:update to the end (lint, diff, generate, typecheck incl. the typed smoke script)", () => {
    const r = spawnSync(process.execPath, ["scripts/spec-update.mjs", FIXTURE, "--skip-tests", "--date", "2030-01-01"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, INIT_CWD: dir },
    });
    update = { status: r.status, out: r.stdout + r.stderr };
    expect(update.out).toMatch(/spec:update: done: .* \(minor; 5 operation\(s\) added, 0 removed\)/);
    expect(update.status, update.out).toBe(0);
    // The overlay fixed the FileField, so nothing is left flagged.
    expect(update.out).not.toMatch(/FLAG/);
  }, 240_000);

  it("compiles the typed smoke script (createApi(client) on the new operations) against the regenerated types", () => {
    // spec:update's typecheck step compiles the whole scratch tree, test/next-smoke.ts included.
    expect(update.out).toMatch(/\[5\/6\] typecheck/);
    expect(update.out).not.toMatch(/test\/next-smoke\.ts\(/);
  });

  it("has display_value's overlapping oneOf fixed in every schema that repeats it", () => {
    const effective = parse(readFileSync(join(dir, "generated/openapi.yaml"), "utf8")) as {
      components: { schemas: Record<string, { properties: Record<string, { oneOf?: { type: string }[] }> }> };
    };
    for (const name of ["Feedback", "FeedbackDetail"]) {
      expect(effective.components.schemas[name]?.properties.display_value?.oneOf?.map((b) => b.type)).toEqual(["boolean", "string", "number"]);
    }
  });

  it("serves its new operations, typed through createApi(client), from the reference server", () => {
    expect(update.out, "spec:update must have regenerated the operation tables").toMatch(/generate: wrote generated\//);
    const r = spawnSync(join(dir, "node_modules/.bin/tsx"), ["test/next-smoke.ts"], {
      cwd: dir,
      encoding: "utf8",
      env: { ...process.env, REF_URL: ref.server.url, REF_KEY: REFERENCE_KEY },
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(out.kinds).toEqual(["boolean", "number", "tag", "comment", "boolean", "number", "tag", "comment", "boolean", "number"]);
    expect(out.display).toBe(true);
    expect(out.listed).toEqual([
      expect.objectContaining({ feedback_type: 1, completion: "cmpl-next", flag: true, value: null, comment: null, tag: null, display_value: true }),
    ]);
    expect(out.detail).toMatchObject({ status: 200, data: { completion: "cmpl-next", display_value: true } });
    expect(out.upload).toMatchObject({ status: 201, data: { file: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/media\/attachments\/.+/) } });
    expect(out.removed).toBe(204);
    expect(out.after).toEqual({ status: 404, error: { detail: "Not found." } });
  }, 60_000);
});
