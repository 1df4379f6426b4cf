// Pipeline at scale: lint, generate (types + validator tables), a no-op generate, openapi-typescript alone,
// and tsc --noEmit of a consumer making 20 typed calls (bare openapi-fetch vs paradigm-client), on today's
// spec and on GitHub's (@octokit/openapi, installed in bench/.work).
//
// Every step runs the repo's real scripts on a scratch copy of the repo layout (scripts/, src/, package.json,
// redocly.yaml, openapi/, node_modules symlinked) under bench/.work/scratch-<spec>, so generated/ in the repo
// is never touched. Wall time and peak RSS per step: /usr/bin/time -v when present (peak RSS of the largest
// single process in the step's tree), else a NODE_OPTIONS probe in every Node process of the step.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { loadavg } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parse } from "yaml";
import { median, spread } from "./stats.mjs";

const require = createRequire(import.meta.url);
const TIME = "/usr/bin/time";
const RSS_PROBE = new URL("./rss-probe.mjs", import.meta.url).pathname;

/**
 * Runs `node <args>` in `cwd`; returns { ms, rssMiB, cpuS, load, status, out }: cpuS is user + system CPU seconds
 * of the whole process tree (/usr/bin/time only), load the 1-minute load average when the step started.
 */
function timed(cwd, args, env = {}) {
  const useTime = existsSync(TIME);
  const probeFile = join(cwd, ".rss-probe");
  rmSync(probeFile, { force: true });
  const cmd = useTime ? TIME : process.execPath;
  const argv = useTime ? ["-v", process.execPath, ...args] : args;
  const probeEnv = useTime ? {} : { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${RSS_PROBE}`.trim(), RSS_PROBE_FILE: probeFile };
  const load = loadavg()[0];
  const t0 = performance.now();
  const r = spawnSync(cmd, argv, { cwd, env: { ...process.env, ...env, ...probeEnv }, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
  const ms = performance.now() - t0;
  let rssMiB = Number.NaN;
  let cpuS = Number.NaN;
  if (useTime) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
    if (m) rssMiB = Number(m[1]) / 1024;
    const cpu = (label) => Number(new RegExp(`${label} time \\(seconds\\): ([\\d.]+)`).exec(r.stderr)?.[1]);
    cpuS = cpu("User") + cpu("System");
  } else if (existsSync(probeFile)) {
    rssMiB = Math.max(...readFileSync(probeFile, "utf8").trim().split("\n").map(Number)) / 1024;
  }
  const stderr = useTime ? r.stderr.replace(/\n\s*Command being timed:[\s\S]*$/, "") : r.stderr;
  return { ms, rssMiB, cpuS, load, status: r.status, out: `${r.stdout}${stderr}` };
}

// ---------------------------------------------------------------------------------------------
// Scratch copies

function scratch(root, work, name, specText) {
  const dir = join(work, `scratch-${name}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const p of ["scripts", "src", "package.json", "redocly.yaml"]) cpSync(join(root, p), join(dir, p), { recursive: true });
  mkdirSync(join(dir, "openapi", "overlays"), { recursive: true });
  if (specText === undefined) cpSync(join(root, "openapi"), join(dir, "openapi"), { recursive: true });
  else writeFileSync(join(dir, "openapi", "openapi-v2.yaml"), specText);
  symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  mkdirSync(join(dir, "consumer"));
  return dir;
}

/**
 * GitHub's spec, plus Paradigm's rate operation, its Feedback schema and bearerAuth scheme: src/client/client.ts
 * types rate() from paths["/api/v2/rate/…"], so our wrapper type-checks only if that path exists. 1 of 1,224 operations.
 */
function githubPlusRate(root, work) {
  const file = join(work, "node_modules", "@octokit", "openapi", "generated", "api.github.com.json");
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm install --prefix bench/.work @octokit/openapi`);
  const gh = JSON.parse(readFileSync(file, "utf8"));
  const ours = parse(readFileSync(join(root, "generated", "openapi.yaml"), "utf8"));
  for (const [p, item] of Object.entries(ours.paths)) gh.paths[p] = item;
  for (const [n, s] of Object.entries(ours.components.schemas)) gh.components.schemas[n] = s;
  gh.components.securitySchemes = { ...gh.components.securitySchemes, ...ours.components.securitySchemes };
  // Indented like the published file, so parsers see the same shape.
  return { text: JSON.stringify(gh, null, 2), spec: gh, bytes: readFileSync(file).length };
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
const countOps = (spec) => Object.values(spec.paths).reduce((n, item) => n + METHODS.filter((m) => item[m]).length, 0);

// ---------------------------------------------------------------------------------------------
// Consumers: 20 typed calls each, the same paths through bare openapi-fetch and through paradigm-client.

const deref = (spec, node) => {
  let n = node;
  while (n?.$ref)
    n = n.$ref
      .slice(2)
      .split("/")
      .reduce((o, k) => o?.[k.replace(/~1/g, "/").replace(/~0/g, "~")], spec);
  return n;
};

/** 20 GET operations spread over the spec whose only required parameters are path parameters of simple types. */
function pickGets(spec, count = 20) {
  const eligible = [];
  for (const [p, item] of Object.entries(spec.paths)) {
    const op = item.get;
    if (!op) continue;
    const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((x) => deref(spec, x));
    const required = params.filter((x) => x.required || x.in === "path");
    if (required.some((x) => x.in !== "path")) continue;
    const path = {};
    let ok = true;
    for (const x of required) {
      const t = deref(spec, x.schema)?.type;
      if (t === "integer" || t === "number") path[x.name] = 1;
      else if (t === "string") path[x.name] = "x";
      else ok = false;
    }
    if (ok) eligible.push({ path: p, params: path });
  }
  const step = Math.max(1, Math.floor(eligible.length / count));
  return eligible.filter((_, i) => i % step === 0).slice(0, count);
}

function callText(method, op, target) {
  const params = Object.keys(op.params).length ? `{ params: { path: ${JSON.stringify(op.params)} } }` : "{}";
  return `${target}.${method}(${JSON.stringify(op.path)}, ${params})`;
}

function writeConsumers(dir, kind, spec) {
  const c = join(dir, "consumer");
  const header = "// Generated by bench/lib/pipeline.mjs: 20 typed calls, for timing tsc --noEmit.\n";
  let bare;
  let ours;
  if (kind === "today") {
    const calls = Array.from({ length: 20 }, (_, i) => i);
    bare = `${header}import createClient from "openapi-fetch";
import type { paths } from "../generated/schema.ts";
const client = createClient<paths>({ baseUrl: "https://paradigm.lighton.ai", headers: { authorization: "Bearer k" } });
export async function calls() {
${calls.map((i) => `  const r${i} = await client.POST("/api/v2/rate/{feedback_type_id}/{completion_id}", { params: { path: { feedback_type_id: ${i}, completion_id: "c${i}" } }, body: { value: ${i}, flag: true, tag: "t", comment: null } });`).join("\n")}
  return [${calls.map((i) => `r${i}.response.status`).join(", ")}];
}
`;
    ours = `${header}import { createParadigmClient } from "../src/client/index.ts";
const client = createParadigmClient({ apiKey: "k" });
export async function calls() {
${calls.map((i) => `  const r${i} = await client.rate(${i}, "c${i}", { value: ${i}, flag: true, tag: "t", comment: null });`).join("\n")}
  return [${calls.map((i) => `r${i}.status`).join(", ")}];
}
`;
  } else {
    const ops = pickGets(spec);
    bare = `${header}import createClient from "openapi-fetch";
import type { paths } from "../generated/schema.ts";
const client = createClient<paths>({ baseUrl: "https://api.github.com", headers: { authorization: "Bearer k" } });
export async function calls() {
${ops.map((op, i) => `  const r${i} = await ${callText("GET", op, "client")};`).join("\n")}
  return [${ops.map((_, i) => `r${i}.data`).join(", ")}];
}
`;
    // Every operation but rate() is typed through createApi(client), paradigm-client/api's entry.
    ours = `${header}import { createApi } from "../src/api/index.ts";
import { createParadigmClient } from "../src/client/index.ts";
const api = createApi(createParadigmClient({ apiKey: "k", baseUrl: "https://api.github.com" }));
export async function calls() {
${ops.map((op, i) => `  const r${i} = await ${callText("GET", op, "api")};`).join("\n")}
  return [${ops.map((_, i) => `r${i}.data`).join(", ")}];
}
`;
  }
  const compilerOptions = {
    target: "ES2022",
    lib: ["ES2022", "DOM", "DOM.Iterable"],
    module: "preserve",
    moduleResolution: "bundler",
    allowImportingTsExtensions: true,
    noEmit: true,
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    verbatimModuleSyntax: true,
    isolatedModules: true,
    skipLibCheck: true,
    types: ["node"],
  };
  // The same calls against paradigm-client's emitted declarations: what an npm consumer type-checks
  // (with skipLibCheck, as here). `ours` above checks src/*.ts itself, as this repo's own code does.
  const decl = ours.replace('"../src/client/index.ts"', '"../decl/src/client/index.ts"').replace('"../src/api/index.ts"', '"../decl/src/api/index.ts"');
  for (const [name, text] of [
    ["bare", bare],
    ["ours", ours],
    ["decl", decl],
  ]) {
    writeFileSync(join(c, `${name}.ts`), text);
    writeFileSync(join(c, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions, files: [`${name}.ts`] }, null, 2));
  }
  const { noEmit: _, ...emitOptions } = compilerOptions;
  writeFileSync(
    join(c, "tsconfig.emit.json"),
    JSON.stringify(
      {
        compilerOptions: { ...emitOptions, declaration: true, emitDeclarationOnly: true, outDir: "../decl", rootDir: ".." },
        files: ["../src/client/index.ts", "../src/api/index.ts"],
      },
      null,
      2,
    ),
  );
}

// ---------------------------------------------------------------------------------------------

/**
 * What-if: generated/operations.ts rewritten with a plain record type instead of `as const` (what generate.mjs
 * emits since ff38b27, so then a repeat), declarations emitted and both paradigm-client consumers type-checked
 * once. The original file is put back afterwards.
 */
function whatIfPlainTables(dir, tsc, log, name) {
  const file = join(dir, "generated", "operations.ts");
  const original = readFileSync(file, "utf8");
  try {
    writeFileSync(file, original.replace(/export const (\w+) = /g, "export const $1: Readonly<Record<string, unknown>> = ").replace(/ as const;/g, ";"));
    rmSync(join(dir, "decl"), { recursive: true, force: true });
    const emit = timed(dir, [tsc, "-p", "consumer/tsconfig.emit.json"]);
    const out = { emitMs: emit.ms, emitError: emit.status === 0 ? undefined : (/error TS\d+:.*$/m.exec(emit.out)?.[0] ?? "failed").trim() };
    for (const [key, cfg] of [
      ["tscOurs", "consumer/tsconfig.ours.json"],
      ["tscDecl", "consumer/tsconfig.decl.json"],
    ]) {
      if (key === "tscDecl" && out.emitError) continue;
      const t = timed(dir, [tsc, "-p", cfg, "--extendedDiagnostics"]);
      out[key] = { ms: t.ms, rssMiB: t.rssMiB, ok: t.status === 0, diag: tscDiagnostics(t.out) };
      log(`  pipeline ${name} what-if plain tables ${key}: ${(t.ms / 1000).toFixed(2)} s`);
    }
    return out;
  } finally {
    writeFileSync(file, original);
  }
}

/** The counts and phase times tsc --extendedDiagnostics prints. */
function tscDiagnostics(out) {
  const num = (label) => Number(new RegExp(`^${label}:\\s+([\\d.]+)`, "m").exec(out)?.[1] ?? Number.NaN);
  return {
    files: num("Files"),
    types: num("Types"),
    instantiations: num("Instantiations"),
    memoryMiB: num("Memory used") / 1024,
    parseS: num("Parse time"),
    bindS: num("Bind time"),
    checkS: num("Check time"),
  };
}

export async function runPipeline({ root, work, quick, github = !quick, log }) {
  const ots = join(require.resolve("openapi-typescript/package.json", { paths: [root] }), "..", "bin", "cli.js");
  const tsc = join(require.resolve("typescript/package.json", { paths: [root] }), "..", "lib", "tsc.js");
  const specs = [];
  specs.push({ name: "today", label: "Paradigm v2 (today)", dir: scratch(root, work, "today"), rounds: quick ? 1 : 5 });
  if (github) {
    // One round for lint and the type-checks: each takes seconds to a minute here. generate, its no-op and
    // openapi-typescript alone get 3, interleaved, since their ratio is a goal and the machine may be shared.
    const gh = githubPlusRate(root, work);
    specs.push({
      name: "github",
      label: "GitHub api.github.com + rate",
      dir: scratch(root, work, "github", gh.text),
      rounds: quick ? 1 : 3,
      stepRounds: { lint: 1, tscBare: 1, tscOurs: 1, tscDecl: 1 },
      spec: gh.spec,
    });
  }
  const todaySpec = parse(readFileSync(join(root, "generated", "openapi.yaml"), "utf8"));
  specs[0].spec = todaySpec;

  const steps = [
    ["lint", "lint:spec (bundle + redocly lint)", ["scripts/lint-spec.mjs"]],
    ["generate", "generate --force (bundle + types + validator tables)", ["scripts/generate.mjs", "--force"]],
    ["noop", "generate, inputs unchanged (no-op)", ["scripts/generate.mjs"]],
    [
      "ots",
      "openapi-typescript alone (same flags)",
      ["OTS", "../openapi/openapi-v2.yaml", "-o", "ots-alone.ts", "--read-write-markers", "--root-types", "--root-types-no-schema-prefix"],
      // Run from consumer/: the CLI would load the repo's redocly.yaml, whose `diff-recommended` its older Redocly core refuses.
      "consumer",
    ],
    // --extendedDiagnostics: tsc's own counts (types, instantiations) do not move with machine load.
    ["tscBare", "tsc --noEmit, 20 calls, bare openapi-fetch", ["TSC", "-p", "consumer/tsconfig.bare.json", "--extendedDiagnostics"]],
    ["tscOurs", "tsc --noEmit, 20 calls, paradigm-client from src/*.ts", ["TSC", "-p", "consumer/tsconfig.ours.json", "--extendedDiagnostics"]],
    ["tscDecl", "tsc --noEmit, 20 calls, paradigm-client from its .d.ts", ["TSC", "-p", "consumer/tsconfig.decl.json", "--extendedDiagnostics"]],
  ];
  const results = [];
  for (const s of specs) {
    // First a generate, so the consumers have generated/schema.ts to import.
    const first = timed(s.dir, ["scripts/generate.mjs", "--force"]);
    if (first.status !== 0) throw new Error(`generate failed on ${s.label}:\n${first.out}`);
    writeConsumers(s.dir, s.name, s.spec);
    // A failed emit is a result, not a harness error: a package build could not ship types for this spec.
    const emit = timed(s.dir, [tsc, "-p", "consumer/tsconfig.emit.json"]);
    const emitError = emit.status === 0 ? undefined : (/error TS\d+:.*$/m.exec(emit.out)?.[0] ?? emit.out.slice(0, 300)).trim();
    log(`  pipeline ${s.name} declarations ${emitError ? `FAILED: ${emitError}` : `emitted in ${(emit.ms / 1000).toFixed(2)} s`}`);
    const samples = Object.fromEntries(steps.map(([k]) => [k, []]));
    const notes = {};
    for (let r = 0; r < s.rounds; r++) {
      for (const [key, , args, cwd] of steps) {
        if (key === "tscDecl" && emitError) continue;
        if (r >= (s.stepRounds?.[key] ?? s.rounds)) continue;
        const real = args.map((a) => (a === "OTS" ? ots : a === "TSC" ? tsc : a));
        const t = timed(cwd ? join(s.dir, cwd) : s.dir, real);
        // lint exits 1 on GitHub's spec (it has findings); every other step must succeed.
        if (t.status !== 0 && key !== "lint") throw new Error(`${key} failed on ${s.label} (exit ${t.status}):\n${t.out.slice(0, 4000)}`);
        if (key === "lint")
          notes.lint = `exit ${t.status}${/(\d+) errors? and (\d+) warnings?/.exec(t.out)?.[0] ? `, ${/(\d+) errors? and (\d+) warnings?/.exec(t.out)[0]}` : ""}`;
        if (key === "noop" && !/inputs unchanged/.test(t.out)) throw new Error(`the no-op generate regenerated on ${s.label}:\n${t.out}`);
        if (key.startsWith("tsc")) t.diag = tscDiagnostics(t.out);
        samples[key].push(t);
        log(
          `  pipeline ${s.name} round ${r + 1}/${s.rounds} ${key}: ${(t.ms / 1000).toFixed(2)} s, ${t.cpuS.toFixed(2)} s CPU, ${t.rssMiB.toFixed(0)} MiB (load ${t.load.toFixed(1)})`,
        );
      }
    }
    const summary = {};
    for (const [key, label] of steps) {
      const ms = samples[key].map((t) => t.ms);
      if (!ms.length) continue;
      const loads = samples[key].map((t) => t.load);
      summary[key] = {
        label,
        ms: median(ms),
        spread: spread(ms),
        rssMiB: median(samples[key].map((t) => t.rssMiB)),
        // Peak RSS is the largest single process: for generate, itself or Redocly's bundle child, whichever is larger.
        rssMaxMiB: Math.max(...samples[key].map((t) => t.rssMiB)),
        cpuS: median(samples[key].map((t) => t.cpuS)),
        load: [Math.min(...loads), Math.max(...loads)],
        rounds: ms.length,
      };
      if (key.startsWith("tsc")) summary[key].diag = samples[key][0].diag;
    }
    const genFiles = ["schema.ts", "operations.ts"].map((f) => [f, readFileSync(join(s.dir, "generated", f)).length]);
    results.push({
      name: s.name,
      label: s.label,
      operations: countOps(s.spec),
      specBytes: readFileSync(join(s.dir, "openapi", "openapi-v2.yaml")).length,
      generatedBytes: Object.fromEntries(genFiles),
      consumerCalls: readdirSync(join(s.dir, "consumer")).length ? 20 : 0,
      steps: summary,
      declEmit: { ms: emit.ms, rssMiB: emit.rssMiB, error: emitError },
      whatIf: whatIfPlainTables(s.dir, tsc, log, s.name),
      notes,
      ratios: {
        generateVsOts: summary.generate.ms / summary.ots.ms,
        // Less sensitive to other processes than wall time, but blind to overlap: generate's Redocly child runs
        // beside it on another core, so its CPU ratio is above its wall ratio on an idle machine.
        generateVsOtsCpu: summary.generate.cpuS / summary.ots.cpuS,
        // The same ratio taken per round (generate and openapi-typescript run back to back), then the median.
        generateVsOtsPerRound: median(samples.generate.map((t, i) => t.ms / samples.ots[i].ms)),
        tscOursVsBare: summary.tscOurs.ms / summary.tscBare.ms,
        tscTypesOursVsBare: summary.tscOurs.diag.types / summary.tscBare.diag.types,
        tscDeclVsBare: summary.tscDecl ? summary.tscDecl.ms / summary.tscBare.ms : Number.NaN,
        tscTypesDeclVsBare: summary.tscDecl ? summary.tscDecl.diag.types / summary.tscBare.diag.types : Number.NaN,
      },
    });
  }
  return { timer: existsSync(TIME) ? "/usr/bin/time -v" : "NODE_OPTIONS probe (process.resourceUsage().maxRSS per Node process)", specs: results };
}
