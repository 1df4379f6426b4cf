// npm run spec:update -- <file-or-url> [options]    takes in a new vendor spec, end to end:
//   copy      the document becomes openapi/openapi-v2.yaml (bytes as given); the previous one is kept
//             in .cache/spec-update/ for the diff and for --restore
//   lint      npm run lint:spec (vendored document + overlays; fails on an overlay target that matches nothing)
//   diff      `redocly diff` previous → new, rated major/minor/patch, printed and added to openapi/CHANGES.md,
//             with the fields that need a local fix (a FileField typed as a URL; see scripts/lib/schema-report.mjs)
//   generate  npm run generate
//   typecheck npm run typecheck && npm run typecheck:readme (a change that breaks the wrapper fails here)
//   tests     npm run test:types && npm run test:unit
// It stops at the first failing step and says which and why. A major change does not stop it.
//
// Options:
//   --dry-run             run every step on a scratch copy of the repo; this tree is left untouched
//   --restore-on-failure  put back the previous spec, CHANGES.md and generated/ when a step fails
//   --restore             put them back after the fact (undoes the last update, failed or not)
//   --tests <file>        run only this test file in the tests step (repeatable); --skip-tests skips the step
//   --date <YYYY-MM-DD>   date of the CHANGES.md entry (default: today, UTC)
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, extname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { FILE_FIELD_OVERLAY, fileFieldSuspects, METHODS } from "./lib/schema-report.mjs";
import { ROOT, redocly } from "./redocly.mjs";
import { bundleEffectiveSpec, VENDORED } from "./spec.mjs";

const CHANGES = "openapi/CHANGES.md";
const STATE = ".cache/spec-update";
const GENERATED = ["generated/openapi.yaml", "generated/schema.ts", "generated/operations.ts"];
const BACKED_UP = [VENDORED, CHANGES, ...GENERATED];
const CHANGES_HEADER = `# Spec changes

Written by \`npm run spec:update\` (scripts/spec-update.mjs), newest first. Each entry is the \`redocly diff\`
between the previous openapi/openapi-v2.yaml and the new one, rated by the semver bump a client needs
(rules: \`diff-recommended\` in redocly.yaml). A major change can break callers: read it before releasing.
`;

const log = (msg) => console.log(`spec:update: ${msg}`);
const sha = (bytes) => createHash("sha256").update(bytes).digest("hex").slice(0, 12);

// ---------------------------------------------------------------------------------------------
// The diff report.

/** `METHOD /path` → operationId (or null) for every operation in a parsed document. */
export function operationsOf(doc) {
  const ops = new Map();
  for (const [path, item] of Object.entries(doc?.paths ?? {}))
    for (const m of METHODS) if (item?.[m]) ops.set(`${m.toUpperCase()} ${path}`, item[m].operationId ?? null);
  return ops;
}

// "#/paths/~1api~1v2~1files/post/requestBody" → "POST /api/v2/files › requestBody"
function where(pointer) {
  const seg = pointer
    .replace(/^#\/?/, "")
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  if (seg[0] === "paths" && seg[1]) {
    const op = METHODS.includes(seg[2] ?? "") ? `${seg[2].toUpperCase()} ` : "";
    return [`${op}${seg[1]}`, ...seg.slice(op ? 3 : 2)].join(" › ");
  }
  if (seg[0] === "components" && seg[2]) return [`${seg[1]}.${seg[2]}`, ...seg.slice(3)].join(" › ");
  return seg.join(" › ") || "(document)";
}

/**
 * Runs `redocly diff` between two spec files and returns the rated report:
 * { bump: "major"|"minor"|"patch"|"none", summary, added, removed, changes: [{ impact, text }], versions }.
 */
export function specDiff(baseFile, revisionFile, root = ROOT) {
  const r = redocly(["diff", baseFile, revisionFile, "--config", join(root, "redocly.yaml"), "--format", "json", "--fail-on", "none"]);
  const json = r.stdout.slice(r.stdout.indexOf("{"), r.stdout.lastIndexOf("}") + 1);
  if (r.status !== 0 || !json) throw new Error(`redocly diff failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  const report = JSON.parse(json);
  const before = operationsOf(parse(readFileSync(baseFile, "utf8")));
  const after = operationsOf(parse(readFileSync(revisionFile, "utf8")));
  const named = (ops, keys) => keys.map((k) => ({ op: k, id: ops.get(k) ?? null }));
  const rank = { major: 0, minor: 1, patch: 2 };
  const changes = report.changes
    .map((c) => {
      const messages = c.verdicts.map((v) => v.message).join(" ");
      return { impact: c.impact, text: `${c.kind} ${c.typeName}${c.property ? `.${c.property}` : ""} at ${where(c.path)}${messages ? `: ${messages}` : ""}` };
    })
    .sort((a, b) => (rank[a.impact] ?? 3) - (rank[b.impact] ?? 3)); // stable: Redocly's order within an impact
  return {
    bump: report.bump ?? "none",
    summary: report.summary,
    versions: report.infoVersions,
    added: named(
      after,
      [...after.keys()].filter((k) => !before.has(k)),
    ),
    removed: named(
      before,
      [...before.keys()].filter((k) => !after.has(k)),
    ),
    changes,
  };
}

/** The CHANGES.md entry for a diff (markdown). `suspects`: fileFieldSuspects() of the new effective spec. */
export function changesEntry(d, { date, source, before, after, suspects = [] }) {
  const list = (title, ops) =>
    ops.length ? [`${title} (${ops.length}):`, ...ops.map((o) => `- \`${o.op}\`${o.id ? ` (${o.id})` : ""}`), ""] : [`${title}: none.`, ""];
  const s = d.summary ?? { major: 0, minor: 0, patch: 0 };
  return [
    `## ${date} · ${d.bump.toUpperCase()} · ${d.versions?.base ?? "?"} → ${d.versions?.revision ?? "?"}`,
    "",
    `From \`${source}\` (sha256 ${before} → ${after}). \`redocly diff\`: ${s.major} major, ${s.minor} minor, ${s.patch} patch.`,
    "",
    ...list("Operations added", d.added),
    ...list("Operations removed", d.removed),
    ...(suspects.length
      ? [
          `Needs a local fix (${suspects.length}): probably a file upload typed as a URL (\`type: string, format: uri\` in a multipart/form-data request body, as drf-spectacular types a FileField when COMPONENT_SPLIT_REQUEST is off). The validator would refuse a Blob and the server a string. Fix each with an overlay: copy \`${FILE_FIELD_OVERLAY}\` into openapi/overlays/ and set its targets (a URL field needs nothing).`,
          ...suspects.map((x) => `- \`${x.where}\` (${x.ops.map((o) => `\`${o}\``).join(", ")})`),
          "",
        ]
      : []),
    ...(d.changes.length ? ["Every change:", ...d.changes.map((c) => `- **${c.impact}** ${c.text}`), ""] : []),
  ].join("\n");
}

function majorBanner(d) {
  const bar = "!".repeat(100);
  return [
    bar,
    `!!  MAJOR (BREAKING) SPEC CHANGE: ${d.summary.major} change(s) can break code that calls the API.`,
    ...d.changes.filter((c) => c.impact === "major").map((c) => `!!    ${c.text}`),
    `!!  The update does not stop for it. Read the entry in ${CHANGES} before releasing: callers need a major version.`,
    bar,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// State: what the update touches, kept so a failure (or a change of mind) can be undone.

function backup(root) {
  const dir = join(root, STATE, "backup");
  rmSync(dir, { recursive: true, force: true });
  const existed = [];
  for (const f of BACKED_UP) {
    if (!existsSync(join(root, f))) continue;
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(root, f), join(dir, f));
    existed.push(f);
  }
  writeFileSync(join(dir, "manifest.json"), JSON.stringify({ existed }));
}

function restore(root) {
  const dir = join(root, STATE, "backup");
  if (!existsSync(join(dir, "manifest.json"))) throw new Error(`nothing to restore: no backup in ${STATE}/backup (no update has run here).`);
  const { existed } = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8"));
  for (const f of BACKED_UP) {
    if (existed.includes(f)) copyFileSync(join(dir, f), join(root, f));
    else rmSync(join(root, f), { force: true });
  }
  log(`restored ${existed.join(", ")} from ${STATE}/backup.`);
}

// ---------------------------------------------------------------------------------------------
// Steps.

// Colour codes would hide the compiler's words from `why()` (and Redocly's banner from its filter).
const { FORCE_COLOR: _, ...noColor } = { ...process.env, NO_COLOR: "1" };

/** Runs `npm run <script> [-- args]` in `root`, echoing its output live; resolves { code, output }. */
function npmRun(root, script, args = []) {
  const npm = process.env.npm_execpath;
  const [cmd, pre] = npm && /\.c?js$/.test(npm) ? [process.execPath, [npm]] : ["npm", []];
  const argv = [...pre, "run", script, ...(args.length ? ["--", ...args] : [])];
  return new Promise((done) => {
    // The tests step runs the unit tier only (vitest project "unit"), which starts no other update.
    const child = spawn(cmd, argv, { cwd: root, env: noColor });
    let output = "";
    child.stdout.on("data", (b) => {
      output += b;
      process.stdout.write(b);
    });
    child.stderr.on("data", (b) => {
      output += b;
      process.stderr.write(b);
    });
    child.on("error", (e) => done({ code: 1, output: `${output}\n${e.message}` }));
    child.on("close", (code) => done({ code: code ?? 1, output, command: `npm run ${script}${args.length ? ` -- ${args.join(" ")}` : ""}` }));
  });
}

/** Runs scripts in order until one fails; returns null or { command, code, output }. */
async function npmSeq(root, scripts) {
  for (const [script, args] of scripts) {
    const r = await npmRun(root, script, args);
    if (r.code !== 0) return r;
  }
  return null;
}

// The lines that say why: compiler and test errors first, else the end of the output. Errors in src/
// (hand-written code a spec change broke) come before the rest, which can be many test files.
function why(output) {
  const lines = output.split("\n").filter((l) => l.trim());
  const errors = lines.filter((l) => /error|✗|×|FAIL|failed/i.test(l) && !/^\s*>|^npm (error|ERR)/.test(l));
  if (!errors.length) return lines.slice(-25).join("\n");
  const src = errors.filter((l) => l.startsWith("src/")).slice(0, 25);
  const rest = errors.filter((l) => !l.startsWith("src/"));
  return [...src, ...(src.length < 25 ? rest.slice(-(25 - src.length)) : [])].join("\n");
}

async function readInput(input) {
  if (/^https?:\/\//.test(input)) {
    const res = await fetch(input).catch((e) => {
      throw new Error(`cannot download ${input}: ${e.message}`);
    });
    if (!res.ok) throw new Error(`cannot download ${input}: HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }
  return readFileSync(resolve(process.env.INIT_CWD ?? process.cwd(), input));
}

function parseArgs(argv) {
  const o = { input: undefined, tests: [], skipTests: false, dryRun: false, restoreOnFailure: false, restore: false, date: undefined, source: undefined };
  const value = (i) => {
    if (argv[i] === undefined || argv[i].startsWith("--")) throw new Error(`${argv[i - 1]} needs a value`);
    return argv[i];
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--dry-run") o.dryRun = true;
    else if (a === "--restore-on-failure") o.restoreOnFailure = true;
    else if (a === "--restore") o.restore = true;
    else if (a === "--skip-tests") o.skipTests = true;
    else if (a === "--tests") o.tests.push(value(++i));
    else if (a === "--date") o.date = value(++i);
    else if (a === "--source")
      o.source = value(++i); // the label a dry run's scratch copy writes in CHANGES.md
    else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
    else if (o.input === undefined) o.input = a;
    else throw new Error(`one spec at a time (got ${o.input} and ${a})`);
  }
  if (!o.restore && !o.input) throw new Error("usage: npm run spec:update -- <file-or-url> [--dry-run] [--restore-on-failure] [--tests <file>]… | --restore");
  if (o.date !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(o.date)) throw new Error(`--date wants YYYY-MM-DD, got ${o.date}`);
  return o;
}

// A dry run is the real thing on a scratch copy: every file this tree would commit (tracked or not,
// minus what .gitignore ignores), with node_modules linked in. Only its report comes back.
async function dryRun(o, bytes, argv) {
  const scratch = mkdtempSync(join(tmpdir(), "paradigm-spec-dry-"));
  try {
    const git = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: ROOT, encoding: "utf8" });
    const files = git.status === 0 ? git.stdout.split("\0").filter(Boolean) : null;
    if (files) {
      for (const f of files) if (existsSync(join(ROOT, f))) cpSync(join(ROOT, f), join(scratch, f));
    } else cpSync(ROOT, scratch, { recursive: true, filter: (src) => !/[/\\](node_modules|\.git|\.cache)([/\\]|$)/.test(relative(ROOT, src)) });
    symlinkSync(join(ROOT, "node_modules"), join(scratch, "node_modules"), "dir");
    const incoming = join(scratch, STATE, `incoming${extname(o.input).replace(/[^.\w]/g, "") || ".yaml"}`);
    mkdirSync(dirname(incoming), { recursive: true });
    writeFileSync(incoming, bytes);
    const rest = argv.filter((a, i) => a !== "--dry-run" && a !== o.input && a !== "--source" && argv[i - 1] !== "--source");
    log(`dry run in a scratch copy (${scratch}); ${ROOT} is not touched.`);
    const child = spawnSync(process.execPath, [join(scratch, "scripts", "spec-update.mjs"), incoming, ...rest, "--source", o.source ?? o.input], {
      cwd: scratch,
      env: { ...process.env, INIT_CWD: scratch, PARADIGM_SPEC_UPDATE_SCRATCH: "1" },
      stdio: "inherit",
    });
    log(`dry run ${child.status === 0 ? "succeeded" : "FAILED (see above)"}; nothing in ${ROOT} was changed.`);
    return child.status ?? 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function main() {
  const argv = process.argv.slice(2);
  const o = parseArgs(argv);
  const root = ROOT;
  if (o.restore) {
    restore(root);
    return 0;
  }
  const bytes = await readInput(o.input);
  try {
    if (!("openapi" in (parse(bytes.toString("utf8")) ?? {}))) throw new Error("it has no `openapi` field");
  } catch (e) {
    throw new Error(`${o.input} is not an OpenAPI document: ${e.message.split("\n")[0]}`);
  }
  if (o.dryRun) return dryRun(o, bytes, argv);

  const current = readFileSync(join(root, VENDORED));
  if (current.equals(bytes)) {
    log(`${o.input} is byte-identical to ${VENDORED}; nothing to do.`);
    return 0;
  }
  const source = o.source ?? o.input;
  const scratch = process.env.PARADIGM_SPEC_UPDATE_SCRATCH === "1"; // a dry run's copy: no advice about "the tree"
  const previous = join(root, STATE, "openapi-v2.previous.yaml");
  const total = 6;
  let n = 0;
  let diff;
  const step = (name) => log(`[${++n}/${total}] ${name}`);

  const fail = (name, detail, output) => {
    console.error(`\nspec:update: FAILED at step ${n}/${total} "${name}": ${detail}`);
    if (output) console.error(`Why:\n${why(output)}`);
    if (o.restoreOnFailure) restore(root);
    else if (!scratch) console.error(`The tree now has the new spec and what the steps before this one wrote. Undo: npm run spec:update -- --restore`);
    if (diff?.bump === "major") console.error(`\n${majorBanner(diff)}`);
    return 1;
  };

  step(`copy ${source} → ${VENDORED} (previous kept as ${STATE}/openapi-v2.previous.yaml)`);
  backup(root);
  mkdirSync(dirname(previous), { recursive: true });
  writeFileSync(previous, current);
  writeFileSync(join(root, VENDORED), bytes);

  step("lint: npm run lint:spec");
  let r = await npmRun(root, "lint:spec");
  if (r.code !== 0) return fail("lint", `\`${r.command}\` exited with ${r.code}: the new spec has lint errors.`, r.output);

  step("diff: redocly diff, previous → new");
  try {
    diff = specDiff(previous, join(root, VENDORED), root);
  } catch (e) {
    return fail("diff", e.message);
  }
  // Read from the effective spec (overlays applied): a property an overlay already fixed is not flagged.
  let suspects;
  try {
    suspects = fileFieldSuspects(parse(bundleEffectiveSpec(root)));
  } catch (e) {
    return fail("diff", e.message);
  }
  const entry = changesEntry(diff, {
    date: o.date ?? new Date().toISOString().slice(0, 10),
    source,
    before: sha(current),
    after: sha(bytes),
    suspects,
  });
  console.log(`\n${entry}`);
  if (diff.bump === "major") console.error(`${majorBanner(diff)}\n`);
  for (const x of suspects) console.error(`spec:update: FLAG file upload typed as a URL: ${x.where} (${x.ops.join(", ")}); fix: ${FILE_FIELD_OVERLAY}`);
  const old = existsSync(join(root, CHANGES)) ? readFileSync(join(root, CHANGES), "utf8") : CHANGES_HEADER;
  const at = old.indexOf("\n## ");
  writeFileSync(join(root, CHANGES), at < 0 ? `${old.trimEnd()}\n\n${entry}` : `${old.slice(0, at + 1)}${entry}\n${old.slice(at + 1)}`);
  log(`wrote the entry to ${CHANGES} (${diff.bump}).`);

  step("generate: npm run generate");
  r = await npmRun(root, "generate");
  if (r.code !== 0) return fail("generate", `\`${r.command}\` exited with ${r.code}.`, r.output);

  step("typecheck: npm run typecheck && npm run typecheck:readme");
  const readme = existsSync(join(root, "README.md"));
  const tc = await npmSeq(root, [["typecheck"], ...(readme ? [["typecheck:readme"]] : [])]);
  if (tc) return fail("typecheck", `\`${tc.command}\` exited with ${tc.code}: the regenerated types break code that uses them.`, tc.output);
  if (!readme) log("no README.md: typecheck:readme skipped.");

  if (o.skipTests) log(`[${++n}/${total}] tests: skipped (--skip-tests).`);
  else {
    step(o.tests.length ? `tests: npm run test:unit -- ${o.tests.join(" ")}` : "tests: npm run test:types && npm run test:unit");
    const t = await npmSeq(root, o.tests.length ? [["test:unit", o.tests]] : [["test:types"], ["test:unit"]]);
    if (t) return fail("tests", `\`${t.command}\` exited with ${t.code}.`, t.output);
  }

  log(`done: ${VENDORED} is now ${source} (${diff.bump}; ${diff.added.length} operation(s) added, ${diff.removed.length} removed).`);
  if (suspects.length)
    console.error(
      `spec:update: ${suspects.length} field(s) FLAGGED as a file upload typed as a URL (see "Needs a local fix" in ${CHANGES}); fix each with ${FILE_FIELD_OVERLAY}.`,
    );
  if (!scratch) log(`review and commit: git diff -- openapi/ generated/; undo: npm run spec:update -- --restore`);
  if (diff.bump === "major") console.error(`\n${majorBanner(diff)}`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = await main();
  } catch (e) {
    console.error(`spec:update: ${e.message}`);
    process.exitCode = 1;
  }
}
