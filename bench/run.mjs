// npm run bench [-- --quick] [-- --only=http,js,proposals,queue,size,pipeline] [-- --from=auto|dist|build|tsx] [-- --rounds=N] [-- --render]
//
// Writes bench/RESULTS.md (and the raw numbers to bench/.work/results.json). See bench/README.md for the method.
// --quick is a smoke run (tiny counts, one round, today's spec only unless --github): its numbers mean nothing,
// and it writes bench/.work/RESULTS-quick.md, never bench/RESULTS.md.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { resolveParadigm } from "./lib/paradigm-entry.mjs";
import { runPipeline } from "./lib/pipeline.mjs";
import { buildProposals } from "./lib/proposals.mjs";
import { renderResults } from "./lib/report.mjs";
import { runSize } from "./lib/size.mjs";
import { median, rotate, spread } from "./lib/stats.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");
const WORK = join(HERE, ".work");
const LIB = join(HERE, "lib");

const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))?.split("=")[1] ?? (args.includes(`--${name}`) ? "" : undefined);
const quick = flag("quick") !== undefined;
const only = new Set((flag("only") || "http,js,proposals,queue,size,pipeline").split(","));
const from = flag("from") || "auto";

const C = quick
  ? {
      http: { rounds: 1, seq: { warm: 200, n: 1000 }, conc: { warm: 500, n: 3000, c: 16 } },
      js: { rounds: 1, warm: 2000, n: 5000, batches: 3 },
      pieces: { n: 5000, batches: 3 },
      queue: { rounds: 1, warm: 300, n: 2000, c: 16 },
      ablation: { batch: 100, rounds: 3 },
      ab: { stub: { batch: 500, rounds: 3 }, http: { batch: 100, rounds: 3 } },
    }
  : {
      http: { rounds: 5, seq: { warm: 1000, n: 5000 }, conc: { warm: 2000, n: 20000, c: 16 } },
      js: { rounds: 5, warm: 5000, n: 20000, batches: 3 },
      pieces: { n: 20000, batches: 5 },
      queue: { rounds: 3, warm: 2000, n: 20000, c: 16 },
      ablation: { batch: 300, rounds: 15 },
      ab: { stub: { batch: 2000, rounds: 15 }, http: { batch: 300, rounds: 15 } },
    };

// The transport's pieces (timeout signal, race, …) are priced by the ablation below, not here.
// --rounds=N overrides the round counts of the request, JavaScript-only and queue sections (e.g. 3 for a shorter run).
const rounds = Number(flag("rounds"));
if (rounds > 0) for (const k of ["http", "js", "queue"]) C[k].rounds = rounds;

const HTTP_VARIANTS = ["fetch", "undici", "openapi-fetch", "paradigm rate()", "ky"];
const JS_VARIANTS = ["fetch", "paradigm rate()", "paradigm api.POST", "openapi-fetch", "ky"];
const QUEUE_MODES = ["queue", "pool-fetch", "pool-rate"];

const started = performance.now();
const log = (m) => console.log(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${m}`);

// Server on core 0, clients on core 1, when the machine has two cores and taskset exists.
const canPin = cpus().length >= 2 && spawnSync("taskset", ["-c", "0", "true"]).status === 0;
const pinned = (core, argv) => (canPin ? ["taskset", ["-c", String(core), ...argv]] : [argv[0], argv.slice(1)]);

/**
 * Runs a node child pinned to core 1; returns its last stdout line parsed as JSON. tsx is loaded only where
 * TypeScript is imported (pieces.mjs, or --from=tsx), so the other clients run in a plain Node process.
 */
function child(script, cfg, env = {}, tsx = false) {
  const loader = tsx || paradigm.from === "tsx" ? ["--import", "tsx"] : [];
  const [cmd, argv] = pinned(1, [process.execPath, ...loader, join(LIB, script), JSON.stringify(cfg)]);
  const r = spawnSync(cmd, argv, { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${script} ${JSON.stringify(cfg)} failed (exit ${r.status}):\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1));
}

async function startServer() {
  const [cmd, argv] = pinned(0, [process.execPath, join(LIB, "server.mjs")]);
  const proc = spawn(cmd, argv, { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  proc.stdout.on("data", (d) => {
    out += d;
  });
  const port = await new Promise((resolve, reject) => {
    const check = setInterval(() => {
      const m = /PORT (\d+)/.exec(out);
      if (m) {
        clearInterval(check);
        resolve(Number(m[1]));
      }
    }, 20);
    proc.on("exit", (code) => reject(new Error(`server exited (${code})`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      const exited = new Promise((resolve) => proc.on("exit", resolve));
      proc.kill("SIGTERM");
      await exited;
      return JSON.parse(/COUNTS (.*)/.exec(out)?.[1] ?? "{}");
    },
  };
}

/** Per-round ratio to the baseline in the same round, then the median of those ratios. */
function ratioVs(rows, baseline, pick) {
  const byRound = new Map();
  for (const r of rows) {
    if (!byRound.has(r.round)) byRound.set(r.round, {});
    byRound.get(r.round)[r.variant] = r;
  }
  const out = {};
  for (const v of new Set(rows.map((r) => r.variant))) {
    const ratios = [...byRound.values()].filter((x) => x[v] && x[baseline]).map((x) => pick(x[v]) / pick(x[baseline]));
    out[v] = { median: median(ratios), ...spread(ratios) };
  }
  return out;
}

const summarize = (rows, variants, pick) =>
  Object.fromEntries(
    variants.map((v) => {
      const xs = rows.filter((r) => r.variant === v).map(pick);
      return [v, { median: median(xs), ...spread(xs), n: xs.length }];
    }),
  );

// ---------------------------------------------------------------------------------------------

mkdirSync(WORK, { recursive: true });
// --render: rewrite bench/RESULTS.md from the last full run's bench/.work/results.json, measuring nothing.
if (flag("render") !== undefined) {
  writeFileSync(join(HERE, "RESULTS.md"), renderResults(JSON.parse(readFileSync(join(WORK, "results.json"), "utf8"))));
  console.log("re-rendered bench/RESULTS.md from bench/.work/results.json");
  process.exit(0);
}
const paradigm = await resolveParadigm(ROOT, from);
const env = { PARADIGM_ENTRY: paradigm.index, ...(paradigm.queue ? { PARADIGM_QUEUE_ENTRY: paradigm.queue } : {}) };
const git = (a) => spawnSync("git", a, { cwd: ROOT, encoding: "utf8" }).stdout.trim();
const results = {
  quick,
  date: new Date().toISOString(),
  machine: {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? "unknown",
    node: process.version,
    undiciInNode: process.versions.undici,
    pinned: canPin,
    loadBefore: loadavg(),
  },
  commit: git(["rev-parse", "--short", "HEAD"]),
  dirtySrc: git(["status", "--short", "--", "src", "generated"]).split("\n").filter(Boolean).length,
  paradigm,
  config: C,
};
log(`paradigm-client from ${paradigm.from}: ${paradigm.note}`);
log(
  `${quick ? "QUICK smoke run" : "full run"}; pinned: ${canPin}; load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);

/** Runs a section; a failure is recorded in RESULTS.md and the other sections still run. */
async function section(name, fn) {
  try {
    await fn();
  } catch (e) {
    results.errors = { ...results.errors, [name]: String(e?.stack ?? e).slice(0, 3000) };
    log(`${name} FAILED: ${String(e?.message ?? e).split("\n")[0]}`);
  }
}

if (only.has("http"))
  await section("http", async () => {
    const server = await startServer();
    const rows = [];
    const modes = [
      { name: "seq", c: 1, ...C.http.seq },
      { name: "c16", ...C.http.conc },
    ];
    for (let r = 0; r < C.http.rounds; r++) {
      for (const variant of rotate(HTTP_VARIANTS, r)) {
        const out = child("http-client.mjs", { variant, baseUrl: server.url, modes }, env);
        for (const m of modes) rows.push({ round: r, variant, mode: m.name, ...out[m.name] });
        log(`http round ${r + 1}/${C.http.rounds} ${variant}: seq ${out.seq.rps.toFixed(0)} req/s, c16 ${out.c16.rps.toFixed(0)} req/s`);
      }
    }
    // The 401 path, once: the server really checks the key, so every 200 above carried one.
    const noKey = await fetch(`${server.url}/api/v2/rate/1/c`, { method: "POST", body: "{}" });
    await noKey.arrayBuffer();
    if (noKey.status !== 401) throw new Error(`a request without a key got ${noKey.status}, not 401`);
    // The transport's pieces on the real network path: one process, all variants interleaved.
    results.ablation = child("ablation.mjs", { baseUrl: server.url, ...C.ablation }, env);
    log("http ablation done");
    const counts = await server.stop();
    const ablationRequests = Object.keys(results.ablation.variants).length * C.ablation.batch * (C.ablation.rounds + 1);
    const expected = C.http.rounds * HTTP_VARIANTS.length * modes.reduce((s, m) => s + m.warm + m.n, 0) + ablationRequests;
    if (counts.ok !== expected || counts.unauthorized !== 1 || counts.notFound)
      throw new Error(`server saw ${JSON.stringify(counts)}, expected ${expected} authorized rate requests and one 401`);
    results.http = { variants: HTTP_VARIANTS, serverCounts: counts, modes: {} };
    for (const m of modes) {
      const mr = rows.filter((x) => x.mode === m.name);
      results.http.modes[m.name] = {
        n: m.n,
        c: m.c,
        warm: m.warm,
        rps: summarize(mr, HTTP_VARIANTS, (x) => x.rps),
        cpuUs: summarize(mr, HTTP_VARIANTS, (x) => x.cpuUsPerReq),
        ratio: ratioVs(mr, "fetch", (x) => x.rps),
        cpuRatio: ratioVs(mr, "fetch", (x) => x.cpuUsPerReq),
        rows: mr,
      };
    }
  });

if (only.has("js"))
  await section("js", async () => {
    const rows = [];
    for (let r = 0; r < C.js.rounds; r++) {
      for (const variant of rotate(JS_VARIANTS, r)) {
        const out = child("js-cost.mjs", { variant, warm: C.js.warm, n: C.js.n, batches: C.js.batches }, env);
        rows.push({ round: r, ...out });
        log(`js round ${r + 1}/${C.js.rounds} ${variant}: ${out.cpuUs.toFixed(2)} µs CPU/call`);
      }
    }
    results.js = { variants: JS_VARIANTS, cpuUs: summarize(rows, JS_VARIANTS, (x) => x.cpuUs), wallUs: summarize(rows, JS_VARIANTS, (x) => x.wallUs), rows };
    // Pieces need src/*.ts (they time src functions alone); three processes, median per piece.
    const runs = [0, 1, 2].slice(0, quick ? 1 : 3).map(() => child("pieces.mjs", C.pieces, {}, true));
    results.pieces = Object.fromEntries(Object.keys(runs[0].nsPerOp).map((k) => [k, median(runs.map((x) => x.nsPerOp[k]))]));
    log("js pieces done");
  });

if (only.has("proposals"))
  await section("proposals", async () => {
    // bench/proposals/*.patch applied one by one (and together) to a copy of src/, each timed against the
    // unpatched code in the same process: without the network, then on loopback HTTP.
    const { builds, stale } = await buildProposals(ROOT, WORK);
    results.proposals = { stale, builds: builds.map((b) => b.name) };
    results.proposals.stub = child("proposal-ab.mjs", { mode: "stub", builds, ...C.ab.stub });
    const server = await startServer();
    results.proposals.http = child("proposal-ab.mjs", { mode: "http", baseUrl: server.url, builds, ...C.ab.http });
    await server.stop();
    log(`proposals done (${builds.length - 1} patched builds${stale.length ? `, ${stale.length} stale` : ""})`);
  });

if (only.has("queue"))
  await section("queue", async () => {
    if (!paradigm.queue) {
      results.queue = { todo: "src/queue/index.ts does not exist yet; bench/lib/queue-client.mjs is ready and runs once it does." };
    } else {
      const server = await startServer();
      const rows = [];
      for (let r = 0; r < C.queue.rounds; r++) {
        for (const mode of rotate(QUEUE_MODES, r)) {
          const out = child("queue-client.mjs", { mode, baseUrl: server.url, c: C.queue.c, warm: C.queue.warm, n: C.queue.n }, env);
          rows.push({ round: r, variant: mode, ...out });
          log(`queue round ${r + 1}/${C.queue.rounds} ${mode}: ${out.rps.toFixed(0)} req/s`);
        }
      }
      const counts = await server.stop();
      const expected = C.queue.rounds * QUEUE_MODES.length * (C.queue.warm + C.queue.n);
      if (counts.ok !== expected || counts.unauthorized || counts.notFound) throw new Error(`server saw ${JSON.stringify(counts)}, expected ${expected}`);
      results.queue = {
        modes: QUEUE_MODES,
        n: C.queue.n,
        c: C.queue.c,
        rps: summarize(rows, QUEUE_MODES, (x) => x.rps),
        cpuUs: summarize(rows, QUEUE_MODES, (x) => x.cpuUsPerReq),
        ratio: ratioVs(rows, "pool-fetch", (x) => x.rps),
        rows,
      };
    }
  });

if (only.has("size"))
  await section("size", async () => {
    // A fresh dist/ when there is one; otherwise src/*.ts straight into esbuild (the same code, and the
    // per-module breakdown then names src/ files instead of build chunks).
    const srcEntry = (f) => join(ROOT, "src", f);
    const fromDist = paradigm.from === "dist";
    results.size = await runSize({
      root: ROOT,
      work: WORK,
      index: fromDist ? paradigm.index : srcEntry("client/index.ts"),
      queue: fromDist ? paradigm.queue : paradigm.queue && srcEntry("queue/index.ts"),
    });
    results.size.from = fromDist ? "dist/" : "src/*.ts";
    log("size done");
  });

if (only.has("pipeline"))
  await section("pipeline", async () => {
    // GitHub's spec takes minutes; a quick run skips it unless --github is given.
    results.pipeline = await runPipeline({ root: ROOT, work: WORK, quick, github: !quick || flag("github") !== undefined, log });
    if (!quick) {
      const gh = join(WORK, "scratch-github");
      if (existsSync(gh)) {
        const r = spawnSync(process.execPath, [join(LIB, "generate-pieces.mjs"), gh], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        if (r.status === 0) results.pipeline.generatePieces = JSON.parse(r.stdout.trim().split("\n").at(-1));
        else results.pipeline.generatePieces = { error: r.stderr.slice(0, 2000) };
        log("generate pieces done");
      }
    }
  });

results.machine.loadAfter = loadavg();
results.seconds = (performance.now() - started) / 1000;
writeFileSync(join(WORK, quick ? "results-quick.json" : "results.json"), `${JSON.stringify(results, null, 2)}\n`);
const md = renderResults(results);
const target = quick ? join(WORK, "RESULTS-quick.md") : join(HERE, "RESULTS.md");
writeFileSync(target, md);
log(`wrote ${target.replace(`${ROOT}/`, "")} in ${results.seconds.toFixed(0)} s`);
