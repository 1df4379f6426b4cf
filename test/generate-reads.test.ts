// What `generate` reads and leaves behind, on a scratch root: the vendored document is read once to
// fingerprint it, and parsed for the overlay check only when there is an overlay to check (on GitHub's
// 13 MB spec that check alone was a YAML parse and a deep copy, ~10 s); Redocly's bundle, which runs in
// a child process while the generator loads, leaves no child and no scratch directory when generate
// stops early, and its failure still fails generate in Redocly's words.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "..");
const SPEC = readFileSync(join(ROOT, "openapi", "openapi-v2.yaml"), "utf8");
let base = "";

// Loaded with --import into generate's own process only (not Redocly's child): logs each readFileSync
// of READS_OF, with the encoding asked for.
const PROBE = `import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
const read = fs.readFileSync;
fs.readFileSync = function (file, options) {
  if (String(file) === process.env.READS_OF) fs.appendFileSync(process.env.READS_LOG, (typeof options === "string" ? options : options?.encoding ?? "bytes") + "\\n");
  return read.apply(this, arguments);
};
syncBuiltinESMExports();
`;

/** A scratch root whose vendored document is today's spec, with the given overlay files. */
const scratch = (name: string, overlays: Record<string, string> = {}) => {
  const root = join(base, name);
  mkdirSync(join(root, "openapi", "overlays"), { recursive: true });
  writeFileSync(join(root, "openapi", "openapi-v2.yaml"), SPEC);
  for (const [file, text] of Object.entries(overlays)) writeFileSync(join(root, "openapi", "overlays", file), text);
  return root;
};

/** Runs generate --force on `root` with its own TMPDIR; returns its output, the vendored reads and TMPDIR. */
const generate = (root: string, spec = "openapi/openapi-v2.yaml") => {
  const tmp = join(root, "tmp");
  mkdirSync(tmp, { recursive: true });
  const log = join(root, "reads.log");
  const r = spawnSync(process.execPath, ["--import", join(base, "probe.mjs"), join(ROOT, "scripts", "generate.mjs"), "--root", root, "--force"], {
    encoding: "utf8",
    env: { ...process.env, TMPDIR: tmp, READS_OF: join(root, spec), READS_LOG: log },
  });
  const reads = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
  return { status: r.status, out: r.stdout + r.stderr, reads, tmp };
};

beforeAll(() => {
  base = mkdtempSync(join(tmpdir(), "paradigm-reads-"));
  writeFileSync(join(base, "probe.mjs"), PROBE);
});
afterAll(() => {
  if (base) rmSync(base, { recursive: true, force: true });
});

describe("generate reads the vendored document", () => {
  it("once, to fingerprint it, when there is no overlay: no overlay check parses it", () => {
    const root = scratch("no-overlay");
    const r = generate(root);
    expect(r.status, r.out).toBe(0);
    expect(r.out).toMatch(/generate: wrote generated\/openapi\.yaml/);
    expect(r.reads).toEqual(["bytes"]);
  }, 60_000);

  it("a second time, as text for the overlay check, when there is an overlay", () => {
    const overlay = readFileSync(join(ROOT, "openapi", "overlays", "10-display-value-oneof.yaml"), "utf8");
    const root = scratch("overlay", { "10-display-value-oneof.yaml": overlay });
    const r = generate(root);
    expect(r.status, r.out).toBe(0);
    expect(r.reads).toEqual(["bytes", "utf8"]);
    // The same effective spec as the repo's own generated/, header aside.
    const body = (t: string) => t.replace(/^# inputs: \w+\n/m, "");
    expect(body(readFileSync(join(root, "generated", "openapi.yaml"), "utf8"))).toBe(body(readFileSync(join(ROOT, "generated", "openapi.yaml"), "utf8")));
  }, 60_000);
});

describe("Redocly's bundle, run beside the generator", () => {
  it("is stopped, and its scratch directory removed, when an overlay check fails first", async () => {
    const miss = "overlay: 1.0.0\ninfo: { title: miss, version: 1.0.0 }\nactions:\n  - target: $.paths['/nowhere']\n    update: { summary: x }\n";
    const root = scratch("overlay-miss", { "20-miss.yaml": miss });
    const r = generate(root);
    expect(r.status, r.out).toBe(1);
    expect(r.out).toContain("target `$.paths['/nowhere']` matches nothing");
    expect(r.out).toContain("generate: nothing written.");
    expect(existsSync(join(root, "generated"))).toBe(false);
    // A child left running would write its bundle (re-creating the directory) a moment later.
    await sleep(4000);
    expect(readdirSync(r.tmp)).toEqual([]);
  }, 60_000);

  it("fails generate in Redocly's words when it cannot bundle, and writes nothing", () => {
    const root = scratch("bad-ref");
    writeFileSync(join(root, "openapi", "openapi-v2.yaml"), SPEC.replace(/\$ref: '#\/components\/schemas\/Feedback'/, "$ref: './missing.yaml#/Feedback'"));
    const r = generate(root);
    expect(r.status, r.out).not.toBe(0);
    expect(r.out).toMatch(/redocly bundle failed/);
    expect(existsSync(join(root, "generated"))).toBe(false);
    expect(readdirSync(r.tmp)).toEqual([]);
  }, 60_000);
});

describe("lint:spec's overlay check", () => {
  it("reads nothing when there is no overlay (a parse and a deep copy of the spec saved on every lint)", async () => {
    const script: string = "../scripts/overlay-check.mjs"; // plain JavaScript: typed here, not by a .d.ts
    const { overlayProblems } = (await import(script)) as { overlayProblems(root: string, vendored: string, overlays: string[]): string[] };
    // A vendored path that does not exist: any read of it would throw ENOENT.
    expect(overlayProblems(ROOT, "openapi/no-such-spec.yaml", [])).toEqual([]);
  });
});
