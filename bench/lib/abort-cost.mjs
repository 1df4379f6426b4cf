// What the timeout and abort machinery costs per request, on Node 20, 22 and 24 in one run (their AbortSignal and
// fetch differ). A loopback server (bench/lib/server.mjs, its own process) answers; for each Node binary one client
// process runs every variant below interleaved in short batches (A B C … A B C …), sequentially and at concurrency 16,
// so machine load hits them alike. Reported: the median over rounds of client CPU µs/request and of wall µs/request,
// and req/s relative to raw fetch, per round then the median.
//
//   node bench/lib/abort-cost.mjs [--rounds=9] [--batch=400] [--baseline=<git ref>] [--stub] [--node=/path/to/node …]
//
// Variants: raw fetch; the primitives (an AbortController + setTimeout passed as signal, AbortSignal.timeout, a
// controller whose deadline a shared timer checks); and rate() bundled from this working tree's src/ (and, with
// --baseline, from that commit's src/, e.g. --baseline=HEAD to compare an uncommitted change). Node 22 and 24 are
// the npm `node` packages test-dist/run.mjs installs in ~/.cache/paradigm-client/runtimes (or pass --node=…).
// Not wired into bench/run.mjs; to wire it: call runAbortCost({ rounds, batch }) and render its `rows`.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const WORK = join(ROOT, "bench", ".work", "abort-cost");
const RUNTIMES = join(process.env.PARADIGM_RUNTIMES_DIR ?? join(homedir(), ".cache", "paradigm-client", "runtimes"));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Bundles src/client/index.ts of `dir` (this tree, or an extracted commit) into WORK/<name>/index.mjs. */
async function bundleClient(name, dir) {
  const outdir = join(WORK, name);
  await build({
    entryPoints: { index: join(dir, "src", "client", "index.ts") },
    outdir,
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    outExtension: { ".js": ".mjs" },
    logLevel: "silent",
  });
  return pathToFileURL(join(outdir, "index.mjs")).href;
}

function nodes(argv) {
  const given = argv.filter((a) => a.startsWith("--node=")).map((a) => a.slice(7));
  if (given.length) return given;
  const found = [process.execPath];
  for (const v of ["22.23.3", "24.21.0"]) {
    const bin = join(RUNTIMES, `node-${v}`, "node_modules", "node", "bin", "node");
    if (existsSync(bin)) found.push(bin);
    else console.error(`abort-cost: Node ${v} not found at ${bin} (npm run test:dist installs it); skipped`);
  }
  return found;
}

// Server on core 0, client on core 1, as bench/run.mjs does, when taskset exists.
const pinned = (core, cmd, args) => {
  try {
    execFileSync("taskset", ["-c", "0", "true"]);
    return ["taskset", ["-c", String(core), cmd, ...args]];
  } catch {
    return [cmd, args];
  }
};

function startServer() {
  const child = spawn(...pinned(0, process.execPath, [join(HERE, "server.mjs")]), { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (d) => {
      const m = /PORT (\d+)/.exec(d);
      if (m) resolve({ url: `http://127.0.0.1:${m[1]}`, stop: () => child.kill("SIGTERM") });
    });
    child.on("error", reject);
  });
}

function runClient(node, cfg) {
  const out = execFileSync(...pinned(1, node, [fileURLToPath(import.meta.url), "--client", JSON.stringify(cfg)]), {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 24,
  });
  return JSON.parse(out.trim().split("\n").at(-1));
}

/** Measures every variant on every Node; returns rows { node, mode, variant, cpuUs, wallUs, vsFetch }. */
export async function runAbortCost({ rounds = 9, batch = 400, baseline, stub = false, argv = [] } = {}) {
  rmSync(WORK, { recursive: true, force: true });
  mkdirSync(WORK, { recursive: true });
  const builds = { "rate() (this tree)": await bundleClient("tree", ROOT) };
  if (baseline) {
    const dir = join(WORK, "baseline-src");
    mkdirSync(dir, { recursive: true });
    execFileSync("sh", ["-c", `git archive ${baseline} src generated | tar -x -C ${JSON.stringify(dir)}`], { cwd: ROOT });
    builds[`rate() (${baseline})`] = await bundleClient("baseline", dir);
  }
  const server = await startServer();
  const rows = [];
  try {
    for (const node of nodes(argv)) {
      const version = execFileSync(node, ["--version"], { encoding: "utf8" }).trim();
      const res = runClient(node, { baseUrl: server.url, rounds, batch, builds, stub });
      for (const [mode, variants] of Object.entries(res))
        for (const [variant, v] of Object.entries(variants)) rows.push({ node: version, mode, variant, ...v });
    }
  } finally {
    server.stop();
  }
  return rows;
}

// --- the client process ------------------------------------------------------------------------------------------
async function client(cfg) {
  // --stub: fetch answers at once with a prebuilt empty 200, so only JavaScript is timed (no signal is followed).
  if (cfg.stub) {
    const prebuilt = new Response(null, { status: 200 });
    globalThis.fetch = async () => prebuilt;
  }
  const url = `${cfg.baseUrl}/api/v2/rate/3/cmpl-bench`;
  const FEEDBACK = { flag: true, value: 4, tag: "bench", comment: null };
  const body = JSON.stringify(FEEDBACK);
  const init = (signal) => ({
    method: "POST",
    headers: { authorization: "Bearer bench-key", "content-type": "application/json" },
    body,
    ...(signal ? { signal } : {}),
  });
  const send = async (signal) => {
    const r = await fetch(url, init(signal));
    if (!r.ok) throw new Error(`status ${r.status}`);
    await r.arrayBuffer();
  };
  // One timer for every in-flight attempt: each attempt registers its deadline; the tick aborts the late ones.
  const live = new Set();
  let tick;
  const watch = (entry) => {
    live.add(entry);
    tick ??= setInterval(() => {
      const now = Date.now();
      for (const e of live) if (e.deadline <= now) e.ctrl.abort(new DOMException("timed out", "TimeoutError"));
      if (!live.size) {
        clearInterval(tick);
        tick = undefined;
      }
    }, 1000);
  };
  const variants = {
    "raw fetch": () => send(),
    "AbortController + setTimeout, signal passed (today's attempt)": async () => {
      const ctrl = new AbortController();
      const t = setTimeout(() => ctrl.abort(), 30_000);
      try {
        await send(ctrl.signal);
      } finally {
        clearTimeout(t);
      }
    },
    // Not AbortSignal.timeout: its timer cannot be cleared, so each request would leave a 30 s timer behind that
    // fires during later batches (bench/lib/abort-pieces.mjs times it alone).
    "AbortController, one shared timer tick": async () => {
      const entry = { ctrl: new AbortController(), deadline: Date.now() + 30_000 };
      watch(entry);
      try {
        await send(entry.ctrl.signal);
      } finally {
        live.delete(entry);
      }
    },
  };
  for (const [name, href] of Object.entries(cfg.builds)) {
    const { createParadigmClient } = await import(href);
    const c = createParadigmClient({ apiKey: "bench-key", baseUrl: cfg.baseUrl });
    variants[name] = () => c.rate(3, "cmpl-bench", FEEDBACK);
  }
  const names = Object.keys(variants);
  const result = {};
  for (const [mode, conc] of cfg.stub
    ? [["stubbed fetch, sequential", 1]]
    : [
        ["sequential", 1],
        ["concurrency 16", 16],
      ]) {
    const run = async (fn) => {
      let left = cfg.batch;
      await Promise.all(
        Array.from({ length: conc }, async () => {
          while (left-- > 0) await fn();
        }),
      );
    };
    for (const n of names) await run(variants[n]); // warm-up
    const samples = Object.fromEntries(names.map((n) => [n, []]));
    for (let r = 0; r < cfg.rounds; r++) {
      // Rotated each round, so no variant always runs right after the same one.
      for (const n of [...names.slice(r % names.length), ...names.slice(0, r % names.length)]) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await run(variants[n]);
        const wall = performance.now() - t0;
        const c = process.cpuUsage(c0);
        samples[n].push({ cpuUs: (c.user + c.system) / cfg.batch, wallUs: (wall * 1000) / cfg.batch });
      }
    }
    result[mode] = {};
    for (const n of names)
      result[mode][n] = {
        cpuUs: median(samples[n].map((s) => s.cpuUs)),
        wallUs: median(samples[n].map((s) => s.wallUs)),
        // req/s vs raw fetch, per round (the same round's raw fetch batch), then the median.
        vsFetch: median(samples[n].map((s, i) => (samples["raw fetch"][i]?.wallUs ?? Number.NaN) / s.wallUs)),
      };
  }
  return result;
}

if (process.argv[2] === "--client") {
  process.stdout.write(`${JSON.stringify(await client(JSON.parse(process.argv[3])))}\n`);
  process.exit(0);
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;
  const started = Date.now();
  const rows = await runAbortCost({
    rounds: Number(arg("rounds", 9)),
    batch: Number(arg("batch", 400)),
    baseline: arg("baseline"),
    stub: process.argv.includes("--stub"),
    argv: process.argv,
  });
  const fmt = (n, d = 1) => n.toFixed(d);
  const lines = ["| Node | mode | variant | client CPU µs/req | wall µs/req | req/s vs raw fetch |", "|---|---|---|---:|---:|---:|"];
  for (const r of rows) lines.push(`| ${r.node} | ${r.mode} | ${r.variant} | ${fmt(r.cpuUs)} | ${fmt(r.wallUs)} | ${fmt(r.vsFetch, 2)}× |`);
  const out = `${lines.join("\n")}\n`;
  writeFileSync(join(WORK, "results.md"), out);
  process.stdout.write(out);
  console.error(
    `abort-cost: ${Math.round((Date.now() - started) / 1000)} s, load average ${(await import("node:os"))
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" / ")}`,
  );
}
