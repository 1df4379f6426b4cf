// Renders bench/RESULTS.md from the results object run.mjs collects. Every number in the file comes from it.
import { fmt, kB } from "./stats.mjs";

const pct = (s) => (Number.isFinite(s?.pct) ? `±${(s.pct / 2).toFixed(0)}%` : "n/a");
const x = (r, d = 2) => (Number.isFinite(r) ? `${r.toFixed(d)}×` : "n/a");
/** A per-round ratio: its median, then the lowest and highest round. */
const xr = (r) => (r && Number.isFinite(r.median) && r.max > r.min ? `${x(r.median)} (${r.min.toFixed(2)}–${r.max.toFixed(2)})` : x(r?.median));
const sec = (ms) => `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
const mark = (ok) => (ok === undefined ? "n/a" : ok ? "**met**" : "**missed**");
/** A Markdown table: the first column (and any listed in `left`) left-aligned, numbers right-aligned. */
const table = (head, rows, left = [0]) =>
  [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (left.includes(i) ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");

function goals(R) {
  const rows = [];
  const h = R.http?.modes;
  if (h) {
    for (const [m, label] of [
      ["seq", "sequential"],
      ["c16", "concurrency 16"],
    ]) {
      const r = h[m].ratio["paradigm rate()"].median;
      rows.push([`rate() ≥ 0.95× raw fetch, ${label} (req/s)`, xr(h[m].ratio["paradigm rate()"]), mark(r >= 0.95)]);
    }
  }
  if (R.queue?.ratio) {
    const r = R.queue.ratio.queue.median;
    rows.push(["queue ≥ 0.95× a Promise pool of raw fetch, c=16", xr(R.queue.ratio.queue), mark(r >= 0.95)]);
  } else if (R.queue?.todo) rows.push(["queue ≥ 0.95× a Promise pool of raw fetch", "TODO", "not measured"]);
  const main = R.size?.rows.find((r) => r.name === "paradigm-client (main entry)");
  if (main && !main.error)
    rows.push([
      `main entry ≤ 4 kB min+gzip (4,096 B, the budget in scripts/size.mjs; one rate call, with dependencies)`,
      `${fmt(main.gzip)} B`,
      mark(main.gzip <= 4096),
    ]);
  for (const s of R.pipeline?.specs ?? []) {
    rows.push([`generate ≤ 1.3× openapi-typescript alone — ${s.label}`, x(s.ratios.generateVsOts), mark(s.ratios.generateVsOts <= 1.3)]);
    rows.push([`no-op generate < 1 s — ${s.label}`, sec(s.steps.noop.ms), mark(s.steps.noop.ms < 1000)]);
    rows.push([
      `consumer type-check ≤ 1.10× bare openapi-fetch, against the .d.ts (as published) — ${s.label}`,
      s.declEmit.error
        ? `no .d.ts: tsc cannot emit declarations (${s.declEmit.error.replace(/^.*error /, "")})`
        : `${x(s.ratios.tscDeclVsBare)} wall (${x(s.ratios.tscTypesDeclVsBare)} types)`,
      s.declEmit.error ? "**missed**" : mark(s.ratios.tscDeclVsBare <= 1.1),
    ]);
    rows.push([
      `… the same calls against src/*.ts (as in this repo) — ${s.label}`,
      `${x(s.ratios.tscOursVsBare)} wall (${x(s.ratios.tscTypesOursVsBare)} types)`,
      mark(s.ratios.tscOursVsBare <= 1.1),
    ]);
  }
  return table(["goal", "result", "status"], rows, [0, 1, 2]);
}

function http(R) {
  const h = R.http;
  const out = [];
  for (const [m, label] of [
    ["seq", "Sequential"],
    ["c16", "Concurrency 16"],
  ]) {
    const d = h.modes[m];
    out.push(`### ${label} (${fmt(d.n)} requests after ${fmt(d.warm)} warm-up, ${R.config.http.rounds} rounds)\n`);
    out.push(
      table(
        ["client", "req/s (median)", "spread", "vs fetch (req/s; rounds min–max)", "client CPU µs/req", "CPU vs fetch"],
        h.variants.map((v) => [v, fmt(d.rps[v].median), pct(d.rps[v]), xr(d.ratio[v]), fmt(d.cpuUs[v].median, 1), x(d.cpuRatio[v].median)]),
      ),
    );
    out.push("");
  }
  return out.join("\n");
}

function js(R) {
  const base = R.js.cpuUs.fetch.median;
  const rows = R.js.variants.map((v) => [v, fmt(R.js.cpuUs[v].median, 2), pct(R.js.cpuUs[v]), v === "fetch" ? "—" : `+${fmt(R.js.cpuUs[v].median - base, 2)}`]);
  let s = table(["client (stubbed fetch)", "CPU µs/call (median)", "spread", "µs over the raw call"], rows);
  if (R.pieces) {
    s += "\n\nEach piece of rate()'s path timed alone (`bench/lib/pieces.mjs`, median of 3 processes; µs per operation):\n\n";
    s += table(
      ["piece", "µs/op"],
      Object.entries(R.pieces).map(([k, v]) => [k.replace(/^ {2}/, "  ↳ "), fmt(v / 1000, 2)]),
    );
  }
  return s;
}

function ablation(R) {
  const a = R.ablation;
  const names = Object.keys(a.variants);
  const rows = names.map((n, i) => {
    const v = a.variants[n];
    const prev = i ? a.variants[names[i - 1]].cpuUs : undefined;
    return [n, fmt(v.cpuUs, 1), prev === undefined ? "—" : `${v.cpuUs - prev >= 0 ? "+" : ""}${fmt(v.cpuUs - prev, 1)}`, fmt(v.wallUs, 1)];
  });
  return `Each row adds one piece of what src/client/transport.ts does per attempt to the row above (\`bench/lib/ablation.mjs\`: one process, all rows interleaved, ${a.rounds} rounds of ${a.batch} sequential requests, medians):\n\n${table(["variant", "client CPU µs/req", "Δ vs row above", "wall µs/req"], rows)}`;
}

function proposals(R) {
  const p = R.proposals;
  const s = p.stub.variants;
  const h = p.http.variants;
  const base = "rate() unpatched";
  const rows = Object.keys(s).map((n) => [
    n.replace(/^rate\(\) /, "rate(), "),
    fmt(s[n].cpuUs, 2),
    n === base || n === "raw fetch" ? "—" : `${s[n].cpuUs - s[base].cpuUs >= 0 ? "+" : ""}${fmt(s[n].cpuUs - s[base].cpuUs, 2)}`,
    fmt(h[n].cpuUs, 1),
    x(h["raw fetch"].wallUs / h[n].wallUs),
  ]);
  let out = `Each patch in bench/proposals/ applied alone to a copy of src/, then all together, bundled like the code above, and timed against the unpatched build in the same process, interleaved (\`bench/lib/proposal-ab.mjs\`; stubbed: ${p.stub.rounds} rounds of ${p.stub.batch} calls; HTTP: ${p.http.rounds} rounds of ${p.http.batch} sequential requests; medians).\n\n`;
  out += table(["build", "stubbed fetch: CPU µs/call", "Δ vs unpatched", "HTTP: client CPU µs/req", "HTTP: req/s vs raw fetch"], rows);
  if (p.stale.length) out += `\n\nStale (not measured): ${p.stale.map((x) => x.stale).join("; ")}`;
  return out;
}

function queue(R) {
  const q = R.queue;
  if (q.todo) return `**TODO:** ${q.todo}`;
  const label = {
    queue: "createFeedbackQueue (concurrency 16, defaults otherwise)",
    "pool-fetch": "Promise pool of raw fetch (16 workers)",
    "pool-rate": "Promise pool of rate() (16 workers)",
  };
  return table(
    ["mode", "req/s (median)", "spread", "vs pool of raw fetch (rounds min–max)", "client CPU µs/req"],
    q.modes.map((m) => [label[m], fmt(q.rps[m].median), pct(q.rps[m]), xr(q.ratio[m]), fmt(q.cpuUs[m].median, 1)]),
  );
}

function size(R) {
  const rows = R.size.rows.map((r) =>
    r.error ? [r.name, r.what, "error", r.error, ""] : [r.name, r.what, fmt(r.min), fmt(r.gzip), r.nodeBuiltins ? "yes" : "no"],
  );
  let s = table(["bundle", "consumer", "min B", "min+gzip B", "node: imports"], rows, [0, 1, 4]);
  const main = R.size.rows.find((r) => r.name === "paradigm-client (main entry)");
  if (main?.byInput) {
    s += "\n\nWhere the main entry's minified bytes come from (esbuild metafile):\n\n";
    s += table(
      ["input", "min B"],
      main.byInput.map(([k, n]) => [k, fmt(n)]),
    );
  }
  return s;
}

function pipeline(R) {
  const p = R.pipeline;
  const out = [`Peak RSS: ${p.timer}.\n`];
  for (const s of p.specs) {
    out.push(
      `### ${s.label}: ${fmt(s.operations)} operation(s); spec ${kB(s.specBytes)}, generated schema.ts ${kB(s.generatedBytes["schema.ts"])}, operations.ts ${kB(s.generatedBytes["operations.ts"])}\n`,
    );
    out.push(
      table(
        ["step", "wall (median)", "spread", "peak RSS MiB", "rounds"],
        Object.values(s.steps).map((t) => [t.label, sec(t.ms), pct(t.spread), fmt(t.rssMiB), String(t.rounds)]),
      ),
    );
    const b = s.steps.tscBare.diag;
    const o = s.steps.tscOurs.diag;
    const d = s.steps.tscDecl?.diag;
    const w = s.whatIf ?? {};
    const bareMs = s.steps.tscBare.ms;
    out.push(
      `\nlint: ${s.notes.lint ?? "n/a"}. generate / openapi-typescript alone: ${x(s.ratios.generateVsOts)}. Type-check / bare openapi-fetch: ${s.declEmit.error ? "no .d.ts" : x(s.ratios.tscDeclVsBare)} against the .d.ts, ${x(s.ratios.tscOursVsBare)} against src/. ${
        s.declEmit.error
          ? `**Declaration emit failed:** \`${s.declEmit.error}\`.`
          : `Declarations were emitted once with tsc in ${sec(s.declEmit.ms)} (tsdown's bundled .d.mts may differ slightly).`
      }`,
      "",
      `What-if, one run each, with generated/operations.ts typed as a plain record instead of \`as const\` (what scripts/generate.mjs emits since ff38b27; then this repeats the steps above): declaration emit ${
        w.emitError ? `still fails (\`${w.emitError}\`)` : `succeeds in ${sec(w.emitMs ?? Number.NaN)}`
      }; type-check / bare: ${w.tscDecl ? `${x(w.tscDecl.ms / bareMs)} against the .d.ts, ` : ""}${w.tscOurs ? `${x(w.tscOurs.ms / bareMs)} against src/` : "n/a"}.\n`,
    );
    out.push(
      table(
        ["tsc --extendedDiagnostics (first round)", "files", "Types", "instantiations", "memory MiB", "parse", "bind", "check"],
        [
          ["bare openapi-fetch", b],
          ["paradigm-client, .d.ts", d],
          ["paradigm-client, src/*.ts", o],
          ["what-if plain tables: paradigm-client, .d.ts", s.whatIf?.tscDecl?.diag],
          ["what-if plain tables: paradigm-client, src/*.ts", s.whatIf?.tscOurs?.diag],
        ]
          .filter(([, t]) => t)
          .map(([n, t]) => [n, fmt(t.files), fmt(t.types), fmt(t.instantiations), fmt(t.memoryMiB), `${t.parseS} s`, `${t.bindS} s`, `${t.checkS} s`]),
      ),
    );
    out.push("");
  }
  if (p.generatePieces?.ms) {
    out.push("Where `generate` spends its time on GitHub's spec (`bench/lib/generate-pieces.mjs`, one run, each phase alone):\n");
    out.push(
      table(
        ["phase", "wall"],
        Object.entries(p.generatePieces.ms).map(([k, v]) => [k.replace(/^ {2}/, "↳ "), sec(v)]),
      ),
    );
  }
  return out.join("\n");
}

export function renderResults(R) {
  const m = R.machine;
  const load = (l) => l.map((v) => v.toFixed(2)).join(" / ");
  const noisy = Math.max(...m.loadBefore, ...(m.loadAfter ?? [])) > m.cores * 0.5;
  const parts = [
    "# Benchmarks",
    "",
    `Generated by \`npm run bench\` (bench/run.mjs) on ${R.date.slice(0, 16).replace("T", " ")} UTC in ${Math.round(R.seconds)} s. Do not edit by hand; the method is in [bench/README.md](README.md), proposals drawn from these numbers in [bench/PROPOSALS.md](PROPOSALS.md).`,
    "",
    `- **Machine:** ${m.cores} cores (${m.cpu}), Node ${m.node} (its fetch is undici ${m.undiciInNode}). ${m.pinned ? "Server pinned to core 0, client to core 1 (`taskset`)." : "Not pinned (taskset missing or one core)."}`,
    `- **Load average** (1/5/15 min) before: ${load(m.loadBefore)}; after: ${load(m.loadAfter ?? [])}.`,
    noisy
      ? `- **This run shared the machine with other jobs** (load above half the core count): absolute req/s and µs are noisy. Ratios are taken per round between processes run back to back, which cancels slow drift but not bursts; tsc's type counts do not depend on load.`
      : "- The machine was quiet during this run (load below half the core count).",
    `- **paradigm-client imported from:** ${R.paradigm.note}. Commit ${R.commit}${R.dirtySrc ? `, with ${R.dirtySrc} uncommitted change(s) in src/ or generated/ at run time` : ""}.`,
    R.quick ? "- **QUICK smoke run: counts are tiny and there is one round; these numbers mean nothing.**" : "",
    "",
    "## Goals",
    "",
    goals(R),
    "",
  ];
  if (R.http) parts.push("## 1. Per-request overhead (loopback HTTP)", "", http(R));
  if (R.ablation) parts.push("### The transport's pieces on the real path", "", ablation(R), "");
  if (R.js) parts.push("### JavaScript-only cost per call (global fetch stubbed with a prebuilt empty 200 Response)", "", js(R), "");
  if (R.proposals) parts.push("### Proposed hot-path patches, measured", "", proposals(R), "");
  if (R.queue) parts.push(`## 2. Queue throughput (${fmt(R.queue.n ?? 0)} ratings)`, "", queue(R), "");
  if (R.size)
    parts.push(
      "## 3. Size (esbuild 0.25.12, bundle + minify, ESM, platform=neutral; gzip level 9)",
      "",
      `paradigm-client bundled from ${R.size.from}.`,
      "",
      size(R),
      "",
    );
  if (R.pipeline) parts.push("## 4. Pipeline at scale", "", pipeline(R), "");
  if (R.errors) parts.push("## Sections that failed", "", ...Object.entries(R.errors).map(([k, e]) => `- **${k}:** \`${String(e).split("\n")[0]}\``), "");
  parts.push("Raw numbers of the last run: `bench/.work/results.json` (not committed).", "");
  return parts.filter((p, i, a) => !(p === "" && a[i - 1] === "")).join("\n");
}
