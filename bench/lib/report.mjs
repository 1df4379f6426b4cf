// Renders bench/RESULTS.md from the results object run.mjs collects. Every number in the file comes from it.
// The object is merged across runs: each section carries its own stamp (date, commit, load, source) in
// `sections`, so a section refreshed alone says when and how it was measured, and the Goals table reads the
// latest numbers of every section.
import { fmt, kB } from "./stats.mjs";

/**
 * The sections `--only` selects: the keys of the results object each one owns, and whether it imports
 * paradigm-client from the working tree (then its stamp says from where).
 */
export const SECTIONS = {
  http: { keys: ["http", "ablation"], paradigm: true },
  tarball: { keys: ["tarball"] },
  nodes: { keys: ["nodes"], paradigm: true },
  js: { keys: ["js", "pieces"], paradigm: true },
  proposals: { keys: ["proposals"], config: "ab" },
  queue: { keys: ["queue"], paradigm: true },
  size: { keys: ["size"], paradigm: true },
  pipeline: { keys: ["pipeline"] },
  postgres: { keys: ["postgres"] },
};

/** A results.json written before sections had their own stamps: each section present gets the run's stamp. */
export function upgradeResults(R) {
  if (R.sections) return { ...R, errors: R.errors ?? {} };
  const sections = {};
  for (const [name, s] of Object.entries(SECTIONS)) {
    if (!s.keys.some((k) => R[k])) continue;
    sections[name] = {
      date: R.date,
      commit: R.commit,
      dirtySrc: R.dirtySrc,
      loadBefore: R.machine?.loadBefore,
      loadAfter: R.machine?.loadAfter,
      node: R.machine?.node,
      paradigm: s.paradigm ? R.paradigm?.note : undefined,
      config: R.config?.[s.config ?? name],
    };
  }
  const errors = Object.fromEntries(Object.entries(R.errors ?? {}).map(([k, e]) => [k, typeof e === "string" ? { date: R.date, error: e } : e]));
  const { date: _d, commit: _c, dirtySrc: _s, paradigm: _p, config: _k, seconds: _t, ...rest } = R;
  return { ...rest, sections, errors };
}

const when = (iso) => (iso ? `${iso.slice(0, 16).replace("T", " ")} UTC` : "n/a");
const loads = (l) => (l?.length ? l.map((v) => v.toFixed(2)).join(" / ") : "n/a");
const noisyLoad = (st, cores) => Math.max(...(st.loadBefore ?? [0]), ...(st.loadAfter ?? [0])) > cores * 0.5;

/** The line under a section's heading: when, at which commit, under what load, from which paradigm-client. */
function stampLine(R, name) {
  const st = R.sections?.[name];
  if (!st) return "";
  const dirty = st.dirtySrc ? ` with ${st.dirtySrc} uncommitted change(s) in src/ or generated/` : "";
  const noisy = noisyLoad(st, R.machine.cores) ? " (**shared machine**: load above half the core count)" : "";
  const took = Number.isFinite(st.seconds) ? ` in ${Math.round(st.seconds)} s` : "";
  const failed = R.errors?.[name] ? ` **A later attempt on ${when(R.errors[name].date)} failed** (see the end); these are the last good numbers.` : "";
  return `_Measured ${when(st.date)}${took}, commit ${st.commit}${dirty}, Node ${st.node ?? "n/a"}; load average (1/5/15 min) before ${loads(st.loadBefore)}, after ${loads(st.loadAfter)}${noisy}.${
    st.paradigm ? ` paradigm-client from ${st.paradigm}.` : ""
  }${failed}_\n`;
}

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
  const on = (name) => when(R.sections?.[name]?.date);
  const h = R.http?.modes;
  if (h) {
    for (const [m, label] of [
      ["seq", "sequential, bundle of src/"],
      ["c16", `concurrency 16, Node ${R.sections?.http?.node ?? ""}`.trim()],
    ]) {
      const r = h[m].ratio["paradigm rate()"];
      rows.push([`rate() ≥ 0.95× raw fetch, ${label} (req/s)`, xr(r), mark(r.median >= 0.95), on("http")]);
    }
  }
  const t = R.tarball?.seq?.ratio?.["paradigm rate()"];
  if (t) rows.push(["rate() ≥ 0.95× raw fetch, sequential, from the packed tarball (req/s)", xr(t), mark(t.median >= 0.95), on("tarball")]);
  for (const n of R.nodes?.perNode ?? []) {
    const r = n.c16.ratio["paradigm rate()"];
    rows.push([`rate() ≥ 0.95× raw fetch, concurrency 16, Node ${n.major} (${n.version})`, xr(r), mark(r.median >= 0.95), on("nodes")]);
  }
  for (const m of R.nodes?.missing ?? []) rows.push([`rate() ≥ 0.95× raw fetch, concurrency 16, ${m.split(":")[0]}`, `not measured: ${m}`, "n/a", on("nodes")]);
  if (R.queue?.ratio) {
    const r = R.queue.ratio.queue.median;
    rows.push(["queue ≥ 0.95× a Promise pool of raw fetch, c=16", xr(R.queue.ratio.queue), mark(r >= 0.95), on("queue")]);
    const i = R.queue.interleaved?.http?.builds?.["this build"];
    const stubOwn = R.queue.interleaved?.stub?.builds?.["this build"]?.overheadCpuUs;
    const own = R.queue.ratioVsPoolRate?.queue;
    if (i)
      rows.push([
        "queue's own overhead ≤ 3% over a pool of rate(), c=16: measured directly (queue / pool req/s ≥ 0.97×, interleaved in one process on loopback HTTP)",
        `${xr({ median: i.ratio, min: i.ratioMin, max: i.ratioMax })}; CPU ${x(i.cpuRatio)}, ${fmt(i.overheadCpuUs, 1)} µs/item over the pool${own ? `; separate processes: ${xr(own)}` : ""}`,
        mark(i.ratio >= 0.97),
        on("queue"),
      ]);
    // The same goal from the queue's own JavaScript cost, which machine load barely moves: its µs per item with a
    // stubbed fetch, as a share of the client CPU a request through rate() takes on loopback HTTP.
    const perReq = R.queue.interleaved?.http?.rows?.["pool this build"]?.cpuUs;
    if (stubOwn !== undefined && perReq)
      rows.push([
        "… the same from its own cost: the queue's µs per item (stubbed fetch) ≤ 3% of a request's client CPU through rate() (HTTP)",
        `${fmt(stubOwn, 2)} µs / ${fmt(perReq, 1)} µs = ${fmt((100 * stubOwn) / perReq, 1)}%`,
        mark(stubOwn / perReq <= 0.03),
        on("queue"),
      ]);
  } else if (R.queue?.todo) rows.push(["queue ≥ 0.95× a Promise pool of raw fetch", "TODO", "not measured", on("queue")]);
  const main = R.size?.rows.find((r) => r.name === "paradigm-client (main entry)");
  if (main && !main.error)
    rows.push([`main entry ≤ 4 kB min+gzip (4,096 B; one rate call, with dependencies)`, `${fmt(main.gzip)} B`, mark(main.gzip <= 4096), on("size")]);
  for (const s of R.pipeline?.specs ?? []) {
    rows.push([`generate ≤ 1.3× openapi-typescript alone — ${s.label}`, x(s.ratios.generateVsOts), mark(s.ratios.generateVsOts <= 1.3), on("pipeline")]);
    rows.push([`no-op generate < 1 s — ${s.label}`, sec(s.steps.noop.ms), mark(s.steps.noop.ms < 1000), on("pipeline")]);
    rows.push([
      `consumer type-check ≤ 1.10× bare openapi-fetch, against the .d.ts (as published) — ${s.label}`,
      s.declEmit.error
        ? `no .d.ts: tsc cannot emit declarations (${s.declEmit.error.replace(/^.*error /, "")})`
        : `${x(s.ratios.tscDeclVsBare)} wall (${x(s.ratios.tscTypesDeclVsBare)} types)`,
      s.declEmit.error ? "**missed**" : mark(s.ratios.tscDeclVsBare <= 1.1),
      on("pipeline"),
    ]);
    rows.push([
      `… the same calls against src/*.ts (as in this repo) — ${s.label}`,
      `${x(s.ratios.tscOursVsBare)} wall (${x(s.ratios.tscTypesOursVsBare)} types)`,
      mark(s.ratios.tscOursVsBare <= 1.1),
      on("pipeline"),
    ]);
  }
  return table(["goal", "result (median; rounds min–max)", "status", "measured"], rows, [0, 1, 2, 3]);
}

function http(R) {
  const h = R.http;
  const out = [];
  for (const [m, label] of [
    ["seq", "Sequential"],
    ["c16", "Concurrency 16"],
  ]) {
    const d = h.modes[m];
    out.push(`### ${label} (${fmt(d.n)} requests after ${fmt(d.warm)} warm-up, ${R.sections?.http?.config?.rounds ?? "n/a"} rounds)\n`);
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
  let out = `Each mode in its own process, ${R.sections?.queue?.config?.rounds ?? "n/a"} rounds rotated; medians.\n\n`;
  out += table(
    ["mode", "req/s (median)", "spread", "vs pool of raw fetch (rounds min–max)", "vs pool of rate()", "client CPU µs/req"],
    q.modes.map((m) => [
      label[m],
      fmt(q.rps[m].median),
      pct(q.rps[m]),
      xr(q.ratio[m]),
      q.ratioVsPoolRate ? xr(q.ratioVsPoolRate[m]) : "n/a",
      fmt(q.cpuUs[m].median, 1),
    ]),
  );
  if (q.cpuUs?.queue && q.cpuUs["pool-rate"])
    out += `\n\nQueue minus pool of rate(), separate processes: ${fmt(q.cpuUs.queue.median - q.cpuUs["pool-rate"].median, 1)} µs client CPU per item.`;
  const i = q.interleaved;
  if (i) {
    const rowsOf = (m) =>
      Object.entries(m.builds).map(([name, b]) => [
        m.mode === "http" ? "loopback HTTP" : "stubbed fetch (JavaScript only)",
        name === "this build" ? "this build" : `${name} (baseline)`,
        `${m.rounds} × ${fmt(m.batch)}`,
        fmt(m.rows[`pool ${name}`].cpuUs, 2),
        fmt(m.rows[`queue ${name}`].cpuUs, 2),
        fmt(b.overheadCpuUs, 2),
        xr({ median: b.ratio, min: b.ratioMin, max: b.ratioMax }),
        x(b.cpuRatio),
      ]);
    out += `\n\nThe queue's own cost per item (\`bench/lib/queue-ab.mjs\`): the queue and a pool of rate() from the same build, interleaved in ONE process (short batches, order rotated each round), so machine load hits both alike; per round the queue's CPU µs per item minus the pool's, and the pool's wall time over the queue's; medians.\n\n`;
    out += table(
      [
        "path",
        "build",
        "rounds × items",
        "pool of rate(): CPU µs/item",
        "queue: CPU µs/item",
        "queue's own µs/item",
        "queue / pool (req/s)",
        "queue / pool (CPU)",
      ],
      [i.http, i.stub].filter(Boolean).flatMap(rowsOf),
      [0, 1],
    );
    const own = i.stub?.builds["this build"]?.overheadCpuUs;
    const perReq = i.http?.rows["pool this build"]?.cpuUs;
    if (Number.isFinite(own) && Number.isFinite(perReq))
      out += `\n\nThe queue's own JavaScript cost (stubbed: ${fmt(own, 2)} µs/item) is ${fmt((100 * own) / perReq, 1)}% of what a request through rate() costs the client on loopback HTTP (${fmt(perReq, 1)} µs CPU): the share of throughput the queue can take where the client's CPU is the limit.`;
  }
  return out;
}

function tarball(R) {
  const t = R.tarball;
  const d = t.seq;
  return `${fmt(t.n)} sequential requests after ${fmt(t.warm)} warm-up, ${t.rounds} rounds, each client in its own process, order rotated; paradigm-client ${t.version} from ${t.tarball} (${fmt(t.packedBytes)} B) installed by npm into a scratch project (install ${fmt(t.installMs / 1000, 1)} s), openapi-fetch ${t.openapiFetch ?? "absent"} from the npm cache or registry.\n\n${table(
    ["client", "req/s (median)", "spread", "vs fetch (req/s; rounds min–max)", "client CPU µs/req", "CPU vs fetch"],
    ["fetch", "paradigm rate()"].map((v) => [v, fmt(d.rps[v].median), pct(d.rps[v]), xr(d.ratio[v]), fmt(d.cpuUs[v].median, 1), x(d.cpuRatio[v].median)]),
  )}`;
}

function nodes(R) {
  const n = R.nodes;
  let out = `${fmt(n.n)} requests at concurrency ${n.c} after ${fmt(n.warm)} warm-up, ${n.rounds} rounds per Node, each client in its own process, order rotated; paradigm-client from the same build for every Node.\n\n`;
  out += table(
    ["Node (its undici)", "fetch req/s", "rate() req/s", "rate() / fetch (rounds min–max)", "fetch CPU µs/req", "rate() CPU µs/req"],
    n.perNode.map((p) => {
      const d = p.c16;
      return [
        `${p.version} (${p.undici ?? "n/a"})`,
        fmt(d.rps.fetch.median),
        fmt(d.rps["paradigm rate()"].median),
        xr(d.ratio["paradigm rate()"]),
        fmt(d.cpuUs.fetch.median, 1),
        fmt(d.cpuUs["paradigm rate()"].median, 1),
      ];
    }),
  );
  if (n.missing?.length) out += `\n\nSkipped: ${n.missing.join("; ")}.`;
  return out;
}

function postgres(R) {
  const p = R.postgres;
  if (p.skipped || p.error) return `_Not measured: ${p.skipped ?? p.error}._`;
  if (p.markdown) return p.markdown.trimEnd();
  const rows = p.rows ?? [];
  if (!rows.length) return "_No rows._";
  const keys = Object.keys(rows[0]);
  return table(
    keys,
    rows.map((r) => keys.map((k) => (typeof r[k] === "number" ? fmt(r[k], Number.isInteger(r[k]) ? 0 : 2) : String(r[k])))),
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
  const st = (name) => stampLine(R, name);
  const parts = [
    "# Benchmarks",
    "",
    "Generated by `npm run bench` (bench/run.mjs). Do not edit by hand; the method is in [bench/README.md](README.md), proposals drawn from these numbers in [bench/PROPOSALS.md](PROPOSALS.md). Sections can be refreshed alone (`--only=`): each one states when, at which commit, under what load and from which paradigm-client it was measured.",
    "",
    `- **Machine:** ${m.cores} cores (${m.cpu}), Node ${m.node} (its fetch is undici ${m.undiciInNode}). ${m.pinned ? "Server pinned to core 0, client to core 1 (`taskset`)." : "Not pinned (taskset missing or one core)."}`,
    "- **Load:** a section marked _shared machine_ ran with the load average above half the core count: absolute req/s and µs are noisy there. Ratios are taken per round between processes run back to back (or interleaved in one process), which cancels slow drift but not bursts; tsc's type counts do not depend on load.",
    R.quick ? "- **QUICK smoke run: counts are tiny and there is one round; these numbers mean nothing.**" : "",
    "",
    "## Goals",
    "",
    goals(R),
    "",
  ];
  if (R.http || R.tarball || R.nodes || R.js || R.proposals) parts.push("## 1. Per-request overhead (loopback HTTP)", "");
  if (R.http) parts.push(st("http"), http(R));
  if (R.ablation) parts.push("### The transport's pieces on the real path", "", ablation(R), "");
  if (R.tarball) parts.push("### Sequential, from the packed tarball (as users install it)", "", st("tarball"), tarball(R), "");
  if (R.nodes) parts.push("### Concurrency 16 on Node 20, 22 and 24", "", st("nodes"), nodes(R), "");
  if (R.js) parts.push("### JavaScript-only cost per call (global fetch stubbed with a prebuilt empty 200 Response)", "", st("js"), js(R), "");
  if (R.proposals) parts.push("### Proposed hot-path patches, measured", "", st("proposals"), proposals(R), "");
  if (R.queue) parts.push(`## 2. Queue throughput (${fmt(R.queue.n ?? 0)} ratings)`, "", st("queue"), queue(R), "");
  if (R.size)
    parts.push(
      "## 3. Size (esbuild 0.25.12, bundle + minify, ESM, platform=neutral; gzip level 9)",
      "",
      st("size"),
      `paradigm-client bundled from ${R.size.from}.`,
      "",
      size(R),
      "",
    );
  if (R.pipeline) parts.push("## 4. Pipeline at scale", "", st("pipeline"), pipeline(R), "");
  if (R.postgres) parts.push("## 5. PostgreSQL outbox throughput", "", st("postgres"), postgres(R), "");
  const absent = Object.keys(SECTIONS).filter((k) => !R.sections?.[k]);
  if (absent.length)
    parts.push(
      `Not in ${R.quick ? "this quick run" : "bench/.work/results.json yet"}, so not shown: ${absent.join(", ")} (\`npm run bench -- --only=${absent.join(",")}\` measures them).`,
      "",
    );
  const errors = Object.entries(R.errors ?? {});
  if (errors.length)
    parts.push("## Sections that failed", "", ...errors.map(([k, e]) => `- **${k}** (${when(e.date)}): \`${String(e.error).split("\n")[0]}\``), "");
  parts.push("Raw numbers, merged across runs: `bench/.work/results.json` (not committed).", "");
  return parts.filter((p, i, a) => !(p === "" && a[i - 1] === "")).join("\n");
}
