// npm run bench [-- --quick] [-- --only=http,tarball,nodes,js,proposals,queue,size,pipeline,postgres]
//               [-- --from=auto|dist|build|tsx] [-- --rounds=N] [-- --render]
//
// Writes bench/RESULTS.md (and the raw numbers to bench/.work/results.json). See bench/README.md for the method.
// Each section's numbers are MERGED into results.json with their own date, commit, load and source, so
// `--only=queue` refreshes the queue section and keeps the others' last results; RESULTS.md is rendered from
// the merged file. --quick is a smoke run (tiny counts, one round, today's spec only unless --github): its
// numbers mean nothing, it merges nothing, and it writes bench/.work/RESULTS-quick.md, never bench/RESULTS.md.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, homedir, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { resolveParadigm } from "./lib/paradigm-entry.mjs";
import { runPipeline } from "./lib/pipeline.mjs";
import { buildProposals } from "./lib/proposals.mjs";
import { queueBuilds } from "./lib/queue-builds.mjs";
import { renderResults, SECTIONS, upgradeResults } from "./lib/report.mjs";
import { runSize } from "./lib/size.mjs";
import { median, rotate, spread } from "./lib/stats.mjs";
import { packAndInstall } from "./lib/tarball.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");
const WORK = join(HERE, ".work");
const LIB = join(HERE, "lib");

const args = process.argv.slice(2);
const flag = (name) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))?.split("=")[1] ?? (args.includes(`--${name}`) ? "" : undefined);
const quick = flag("quick") !== undefined;
const only = new Set((flag("only") || Object.keys(SECTIONS).join(",")).split(","));
const unknownSections = [...only].filter((s) => !SECTIONS[s]);
if (unknownSections.length) {
  console.error(`bench: unknown section(s) ${unknownSections.join(", ")}; known: ${Object.keys(SECTIONS).join(", ")}`);
  process.exit(2);
}
const from = flag("from") || "auto";

const C = quick
  ? {
      http: { rounds: 1, seq: { warm: 200, n: 1000 }, conc: { warm: 500, n: 3000, c: 16 } },
      tarball: { rounds: 1, warm: 200, n: 1000 },
      nodes: { rounds: 1, warm: 500, n: 3000, c: 16 },
      queueAb: { http: { batch: 300, rounds: 3 }, stub: { batch: 500, rounds: 3 } },
      js: { rounds: 1, warm: 2000, n: 5000, batches: 3 },
      pieces: { n: 5000, batches: 3 },
      queue: { rounds: 1, warm: 300, n: 2000, c: 16 },
      ablation: { batch: 100, rounds: 3 },
      ab: { stub: { batch: 500, rounds: 3 }, http: { batch: 100, rounds: 3 } },
    }
  : {
      http: { rounds: 5, seq: { warm: 1000, n: 5000 }, conc: { warm: 2000, n: 20000, c: 16 } },
      tarball: { rounds: 5, warm: 1000, n: 5000 },
      nodes: { rounds: 5, warm: 2000, n: 20000, c: 16 },
      // Interleaved in one process (queue-ab.mjs): short batches, many rounds, so load hits queue and pool alike.
      queueAb: { http: { batch: 1000, rounds: 15 }, stub: { batch: 2000, rounds: 15 } },
      js: { rounds: 5, warm: 5000, n: 20000, batches: 3 },
      pieces: { n: 20000, batches: 5 },
      queue: { rounds: 3, warm: 2000, n: 20000, c: 16 },
      ablation: { batch: 300, rounds: 15 },
      ab: { stub: { batch: 2000, rounds: 15 }, http: { batch: 300, rounds: 15 } },
    };

// The transport's pieces (timeout signal, race, …) are priced by the ablation below, not here.
// --rounds=N overrides the round counts of the request, JavaScript-only and queue sections (e.g. 3 for a shorter run).
const rounds = Number(flag("rounds"));
if (rounds > 0) for (const k of ["http", "tarball", "nodes", "js", "queue"]) C[k].rounds = rounds;

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
function child(script, cfg, env = {}, tsx = false, exe = process.execPath) {
  const loader = tsx || paradigm?.from === "tsx" ? ["--import", "tsx"] : [];
  const [cmd, argv] = pinned(1, [exe, ...loader, join(LIB, script), JSON.stringify(cfg)]);
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
const RESULTS_JSON = join(WORK, quick ? "results-quick.json" : "results.json");
// The last results, every section with its own stamp (read again just before writing: another run may have
// merged its sections meanwhile). A quick run merges nothing.
const load = () => (existsSync(RESULTS_JSON) ? upgradeResults(JSON.parse(readFileSync(RESULTS_JSON, "utf8"))) : undefined);
const readResults = () => (quick ? undefined : load());
// --render: rewrite bench/RESULTS.md (with --quick: bench/.work/RESULTS-quick.md) from the results file, measuring nothing.
if (flag("render") !== undefined) {
  const previous = load();
  if (!previous) throw new Error(`--render: ${RESULTS_JSON} does not exist; run the bench first.`);
  const md = quick ? join(WORK, "RESULTS-quick.md") : join(HERE, "RESULTS.md");
  writeFileSync(md, renderResults(previous));
  console.log(`re-rendered ${md} from ${RESULTS_JSON}`);
  process.exit(0);
}
// Resolved (and bundled) only when a section imports paradigm-client from the working tree.
const needsParadigm = ["http", "nodes", "js", "proposals", "queue", "size"].some((s) => only.has(s));
const paradigm = needsParadigm ? await resolveParadigm(ROOT, from) : undefined;
const env = paradigm
  ? {
      PARADIGM_ENTRY: paradigm.index,
      ...(paradigm.queue ? { PARADIGM_QUEUE_ENTRY: paradigm.queue } : {}),
      ...(paradigm.api ? { PARADIGM_API_ENTRY: paradigm.api } : {}),
    }
  : {};
const git = (a) => spawnSync("git", a, { cwd: ROOT, encoding: "utf8" }).stdout.trim();
const machine = {
  cores: cpus().length,
  cpu: cpus()[0]?.model ?? "unknown",
  node: process.version,
  undiciInNode: process.versions.undici,
  pinned: canPin,
};
// This run's sections only; merged into results.json at the end.
const results = { sections: {}, errors: {} };
if (paradigm) log(`paradigm-client from ${paradigm.from}: ${paradigm.note}`);
log(
  `${quick ? "QUICK smoke run" : "run"} of ${[...only].join(", ")}; pinned: ${canPin}; load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(" ")}`,
);

/** Runs a section; a failure is recorded in RESULTS.md and the other sections still run. */
async function section(name, fn) {
  const t0 = performance.now();
  const stamp = {
    date: new Date().toISOString(),
    commit: git(["rev-parse", "--short", "HEAD"]),
    dirtySrc: git(["status", "--short", "--", "src", "generated"]).split("\n").filter(Boolean).length,
    loadBefore: loadavg(),
    node: process.version,
    paradigm: SECTIONS[name].paradigm ? paradigm?.note : undefined,
  };
  // The section writes into S; only a section that completes replaces its keys in the merged results.
  const S = {};
  try {
    await fn(S, stamp);
    Object.assign(results, S);
    results.sections[name] = { ...stamp, loadAfter: loadavg(), seconds: (performance.now() - t0) / 1000, config: C[SECTIONS[name].config ?? name] };
  } catch (e) {
    results.errors[name] = { date: stamp.date, error: String(e?.stack ?? e).slice(0, 3000) };
    log(`${name} FAILED: ${String(e?.message ?? e).split("\n")[0]}`);
  }
}

if (only.has("http"))
  await section("http", async (S) => {
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
    S.ablation = child("ablation.mjs", { baseUrl: server.url, ...C.ablation }, env);
    log("http ablation done");
    const counts = await server.stop();
    const ablationRequests = Object.keys(S.ablation.variants).length * C.ablation.batch * (C.ablation.rounds + 1);
    const expected = C.http.rounds * HTTP_VARIANTS.length * modes.reduce((s, m) => s + m.warm + m.n, 0) + ablationRequests;
    if (counts.ok !== expected || counts.unauthorized !== 1 || counts.notFound)
      throw new Error(`server saw ${JSON.stringify(counts)}, expected ${expected} authorized rate requests and one 401`);
    S.http = { variants: HTTP_VARIANTS, serverCounts: counts, modes: {} };
    for (const m of modes) {
      const mr = rows.filter((x) => x.mode === m.name);
      S.http.modes[m.name] = {
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

/** Per round, each variant in its own process against one server; returns rows { round, variant, ...mode numbers }. */
async function rounds2(label, nRounds, variants, modes, envFor, exe) {
  const server = await startServer();
  const rows = [];
  try {
    for (let r = 0; r < nRounds; r++) {
      for (const variant of rotate(variants, r)) {
        const out = child("http-client.mjs", { variant, baseUrl: server.url, modes }, envFor, false, exe);
        for (const m of modes) rows.push({ round: r, variant, mode: m.name, node: out.node, undici: out.undici, ...out[m.name] });
        log(`${label} round ${r + 1}/${nRounds} ${variant}: ${modes.map((m) => `${m.name} ${out[m.name].rps.toFixed(0)} req/s`).join(", ")}`);
      }
    }
  } catch (e) {
    await server.stop();
    throw e;
  }
  const counts = await server.stop();
  const expected = nRounds * variants.length * modes.reduce((s, m) => s + m.warm + m.n, 0);
  if (counts.ok !== expected || counts.unauthorized || counts.notFound) throw new Error(`server saw ${JSON.stringify(counts)}, expected ${expected}`);
  return rows;
}

const PAIR = ["fetch", "paradigm rate()"];
const pairSummary = (rows) => ({
  rps: summarize(rows, PAIR, (x) => x.rps),
  cpuUs: summarize(rows, PAIR, (x) => x.cpuUsPerReq),
  ratio: ratioVs(rows, "fetch", (x) => x.rps),
  cpuRatio: ratioVs(rows, "fetch", (x) => x.cpuUsPerReq),
  rows,
});

if (only.has("tarball"))
  await section("tarball", async (S, stamp) => {
    // rate() as users get it: the packed tarball installed in a scratch project, not a bundle of src/.
    const pkg = packAndInstall({ root: ROOT, work: WORK, log });
    stamp.paradigm = `${pkg.tarball} (${pkg.packedBytes.toLocaleString("en-US")} B packed; npm pack of a fresh build of the working tree, installed with npm install in bench/.work/tarball/consumer, openapi-fetch ${pkg.openapiFetch ?? "absent"})`;
    const modes = [{ name: "seq", c: 1, warm: C.tarball.warm, n: C.tarball.n }];
    const rows = await rounds2("tarball", C.tarball.rounds, PAIR, modes, { PARADIGM_ENTRY: pkg.index });
    S.tarball = { ...pkg, n: C.tarball.n, warm: C.tarball.warm, rounds: C.tarball.rounds, seq: pairSummary(rows) };
  });

/** Node 22 and 24 as test-dist/run.mjs installs them: npm's `node` package under $PARADIGM_RUNTIMES_DIR. */
function nodeBinaries() {
  const dir = process.env.PARADIGM_RUNTIMES_DIR ?? join(homedir(), ".cache", "paradigm-client", "runtimes");
  const found = [{ major: Number(process.versions.node.split(".")[0]), exe: process.execPath }];
  const missing = [];
  for (const major of [22, 24]) {
    const versions = existsSync(dir) ? readdirSync(dir).filter((d) => d.startsWith(`node-${major}.`)) : [];
    const exe = versions.map((d) => join(dir, d, "node_modules", ".bin", "node")).find((e) => spawnSync(e, ["--version"]).status === 0);
    if (exe) found.push({ major, exe });
    else missing.push(`Node ${major}: not found in ${dir} (\`npm run test:dist -- --only=node${major}\` installs it)`);
  }
  return { found, missing };
}

if (only.has("nodes"))
  await section("nodes", async (S) => {
    // Concurrency 16 on each Node major in one run: their fetch (undici) and AbortSignal costs differ.
    const { found, missing } = nodeBinaries();
    for (const m of missing) log(`nodes: skipped ${m}`);
    const modes = [{ name: "c16", c: C.nodes.c, warm: C.nodes.warm, n: C.nodes.n }];
    const perNode = [];
    for (const { major, exe } of found) {
      const rows = await rounds2(`node ${major}`, C.nodes.rounds, PAIR, modes, env, exe);
      perNode.push({ major, exe, version: rows[0]?.node, undici: rows[0]?.undici, c16: pairSummary(rows) });
    }
    S.nodes = { n: C.nodes.n, warm: C.nodes.warm, c: C.nodes.c, rounds: C.nodes.rounds, perNode, missing };
  });

if (only.has("js"))
  await section("js", async (S) => {
    const rows = [];
    for (let r = 0; r < C.js.rounds; r++) {
      for (const variant of rotate(JS_VARIANTS, r)) {
        const out = child("js-cost.mjs", { variant, warm: C.js.warm, n: C.js.n, batches: C.js.batches }, env);
        rows.push({ round: r, ...out });
        log(`js round ${r + 1}/${C.js.rounds} ${variant}: ${out.cpuUs.toFixed(2)} µs CPU/call`);
      }
    }
    S.js = { variants: JS_VARIANTS, cpuUs: summarize(rows, JS_VARIANTS, (x) => x.cpuUs), wallUs: summarize(rows, JS_VARIANTS, (x) => x.wallUs), rows };
    // Pieces need src/*.ts (they time src functions alone); three processes, median per piece.
    const runs = [0, 1, 2].slice(0, quick ? 1 : 3).map(() => child("pieces.mjs", C.pieces, {}, true));
    S.pieces = Object.fromEntries(Object.keys(runs[0].nsPerOp).map((k) => [k, median(runs.map((x) => x.nsPerOp[k]))]));
    log("js pieces done");
  });

if (only.has("proposals"))
  await section("proposals", async (S) => {
    // bench/proposals/*.patch applied one by one (and together) to a copy of src/, each timed against the
    // unpatched code in the same process: without the network, then on loopback HTTP.
    const { builds, stale } = await buildProposals(ROOT, WORK);
    S.proposals = { stale, builds: builds.map((b) => b.name) };
    S.proposals.stub = child("proposal-ab.mjs", { mode: "stub", builds, ...C.ab.stub });
    const server = await startServer();
    S.proposals.http = child("proposal-ab.mjs", { mode: "http", baseUrl: server.url, builds, ...C.ab.http });
    await server.stop();
    log(`proposals done (${builds.length - 1} patched builds${stale.length ? `, ${stale.length} stale` : ""})`);
  });

if (only.has("queue"))
  await section("queue", async (S) => {
    if (!paradigm.queue) {
      S.queue = { todo: "src/queue/index.ts does not exist yet; bench/lib/queue-client.mjs is ready and runs once it does." };
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
      S.queue = {
        modes: QUEUE_MODES,
        n: C.queue.n,
        c: C.queue.c,
        rps: summarize(rows, QUEUE_MODES, (x) => x.rps),
        cpuUs: summarize(rows, QUEUE_MODES, (x) => x.cpuUsPerReq),
        ratio: ratioVs(rows, "pool-fetch", (x) => x.rps),
        ratioVsPoolRate: ratioVs(rows, "pool-rate", (x) => x.rps),
        rows,
      };
      // The queue's own cost, queue and pool of rate() interleaved in ONE process (queue-ab.mjs): per round, the
      // client CPU µs per item of queue minus pool, and pool wall / queue wall; then medians. On HTTP, and with a
      // stubbed fetch (JavaScript only, where the queue's few µs are not lost in the network's hundreds).
      // --queue-baseline=<rev>: also the same tree with src/queue/ from <rev>, to show a queue change's effect.
      const baseline = flag("queue-baseline");
      const builds = [
        ...(baseline ? (await queueBuilds(ROOT, WORK, baseline)).slice(0, 1) : []),
        { name: "this build", index: paradigm.index, queue: paradigm.queue },
      ];
      const ab = await startServer();
      try {
        S.queue.interleaved = {
          http: child("queue-ab.mjs", { mode: "http", baseUrl: ab.url, builds, c: C.queue.c, ...C.queueAb.http }),
          stub: child("queue-ab.mjs", { mode: "stub", builds, c: C.queue.c, ...C.queueAb.stub }),
        };
      } finally {
        await ab.stop();
      }
      const h = S.queue.interleaved.http.builds["this build"];
      log(`queue interleaved: http ${h.overheadCpuUs.toFixed(1)} µs/item over the pool, ratio ${h.ratio.toFixed(3)}`);
    }
  });

if (only.has("size"))
  await section("size", async (S) => {
    // A fresh dist/ when there is one; otherwise src/*.ts straight into esbuild (the same code, and the
    // per-module breakdown then names src/ files instead of build chunks).
    const srcEntry = (f) => join(ROOT, "src", f);
    const fromDist = paradigm.from === "dist";
    S.size = await runSize({
      root: ROOT,
      work: WORK,
      index: fromDist ? paradigm.index : srcEntry("client/index.ts"),
      queue: fromDist ? paradigm.queue : paradigm.queue && srcEntry("queue/index.ts"),
    });
    S.size.from = fromDist ? "dist/" : "src/*.ts";
    log("size done");
  });

if (only.has("postgres"))
  await section("postgres", async (S) => {
    // The PostgreSQL throughput section lives in bench/lib/postgres.mjs (its owner's); absent, it is skipped.
    const file = join(LIB, "postgres.mjs");
    if (!existsSync(file)) {
      log("postgres: skipped (bench/lib/postgres.mjs does not exist)");
      S.postgres = { skipped: "bench/lib/postgres.mjs does not exist" };
      return;
    }
    const mod = await import(pathToFileURL(file).href);
    S.postgres = await mod.runPostgres({ root: ROOT, work: WORK, quick, log });
    // Its own renderer, when it has one, is kept as Markdown: RESULTS.md can then be re-rendered without it.
    if (typeof mod.renderPostgres === "function") S.postgres.markdown = mod.renderPostgres(S.postgres);
  });

if (only.has("pipeline"))
  await section("pipeline", async (S) => {
    // GitHub's spec takes minutes; a quick run skips it unless --github is given.
    S.pipeline = await runPipeline({ root: ROOT, work: WORK, quick, github: !quick || flag("github") !== undefined, log });
    if (!quick) {
      const gh = join(WORK, "scratch-github");
      if (existsSync(gh)) {
        const r = spawnSync(process.execPath, [join(LIB, "generate-pieces.mjs"), gh], { cwd: ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        if (r.status === 0) S.pipeline.generatePieces = JSON.parse(r.stdout.trim().split("\n").at(-1));
        else S.pipeline.generatePieces = { error: r.stderr.slice(0, 2000) };
        log("generate pieces done");
      }
    }
  });

const seconds = (performance.now() - started) / 1000;
const merged = readResults() ?? { sections: {}, errors: {} };
for (const name of only) {
  if (results.sections[name]) {
    for (const k of SECTIONS[name].keys) delete merged[k];
    for (const k of SECTIONS[name].keys) if (results[k] !== undefined) merged[k] = results[k];
    merged.sections[name] = results.sections[name];
    delete merged.errors[name];
  } else if (results.errors[name]) merged.errors[name] = results.errors[name]; // the last good numbers stay
}
merged.quick = quick;
merged.machine = machine;
writeFileSync(RESULTS_JSON, `${JSON.stringify(merged, null, 2)}\n`);
const md = renderResults(merged);
const target = quick ? join(WORK, "RESULTS-quick.md") : join(HERE, "RESULTS.md");
writeFileSync(target, md);
log(`wrote ${target.replace(`${ROOT}/`, "")} in ${seconds.toFixed(0)} s`);
