// The PostgreSQL section: throughput of paradigm-client/postgres with 1, 2 and 4 worker processes against a
// server with 20 ms of latency (the issue's), as ratios to one worker (per round, then the median); and the same
// against a 200 ms server, where this machine's 2 cores are not the limit, to show how the claims themselves scale.
// The measurement is bench/lib/postgres-throughput.ts (TypeScript, run with tsx, on a throwaway cluster from
// Debian's postgresql, test/fixtures/postgres.ts).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { median, spread } from "./stats.mjs";

export async function runPostgres({ root, quick, log }) {
  const hasPg =
    existsSync("/usr/lib/postgresql") && readdirSync("/usr/lib/postgresql").some((v) => existsSync(join("/usr/lib/postgresql", v, "bin", "initdb")));
  if (!hasPg) return { skipped: "PostgreSQL is not installed (apt-get install postgresql)" };
  const cfg = quick
    ? { runs: [{ latencyMs: 20, items: 200 }], rounds: 1 }
    : {
        runs: [
          { latencyMs: 20, items: 3000 },
          { latencyMs: 200, items: 800 },
        ],
        rounds: 3,
      };
  log(`postgres: ${cfg.runs.map((r) => `${r.items} items at ${r.latencyMs} ms`).join(", ")} × workers 1/2/4 × ${cfg.rounds} rounds`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "bench", "lib", "postgres-throughput.ts"), JSON.stringify(cfg)], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) return { error: `postgres-throughput.ts exited ${r.status}` };
  const raw = JSON.parse(r.stdout.trim().split("\n").at(-1));
  const runs = raw.runs.map((run) => {
    const one = run.itemsPerSec[1];
    const rows = [1, 2, 4].map((w) => {
      const xs = run.itemsPerSec[w];
      const ratios = xs.map((x, i) => x / one[i]);
      return {
        workers: w,
        itemsPerSec: median(xs),
        spreadPct: spread(xs).pct,
        ratio: median(ratios),
        ratioMin: Math.min(...ratios),
        ratioMax: Math.max(...ratios),
        coresBusy: median(run.coresBusy[w]),
      };
    });
    return { ...run, rows };
  });
  return { rounds: raw.rounds, concurrency: raw.concurrency, cores: raw.cores, runs };
}

/** Markdown for RESULTS.md. */
export function renderPostgres(p) {
  if (!p) return "";
  if (p.skipped || p.error) return `_Not measured: ${p.skipped ?? p.error}._\n`;
  const lines = [
    `Each worker process at concurrency ${p.concurrency}; timed from the enqueue transaction's commit to drained(); ${p.rounds} rounds, worker counts rotated; medians. "Cores busy" is the whole machine's CPU while draining (server, PostgreSQL, workers and this harness share its ${p.cores} cores).`,
  ];
  for (const run of p.runs) {
    const ideal = (p.concurrency * 1000) / run.latencyMs;
    lines.push(
      "",
      `**Server latency ${run.latencyMs} ms**, ${run.items.toLocaleString("en-US")} items per run (one worker's ceiling: ${p.concurrency} × 1000 / ${run.latencyMs} = ${Math.round(ideal)} items/s). Items sent more than once: ${run.duplicates}.`,
      "",
      "| worker processes | items/s (median) | spread | vs 1 worker (rounds min–max) | ideal | cores busy |",
      "|---:|---:|---:|---:|---:|---:|",
      ...run.rows.map(
        (r) =>
          `| ${r.workers} | ${Math.round(r.itemsPerSec).toLocaleString("en-US")} | ±${(r.spreadPct / 2).toFixed(0)}% | ${r.ratio.toFixed(2)}× (${r.ratioMin.toFixed(2)}–${r.ratioMax.toFixed(2)}) | ${r.workers}.00× | ${r.coresBusy.toFixed(2)} of ${p.cores} |`,
      ),
    );
  }
  return `${lines.join("\n")}\n`;
}
