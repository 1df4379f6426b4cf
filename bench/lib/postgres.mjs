// The PostgreSQL section: throughput of paradigm-client/postgres with 1, 2 and 4 worker processes against a
// server with 20 ms of latency, as ratios to one worker (per round, then the median). The measurement itself is
// bench/lib/postgres-throughput.ts (TypeScript, run with tsx, on a throwaway cluster from Debian's postgresql).
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { median, spread } from "./stats.mjs";

export async function runPostgres({ root, quick, log }) {
  const hasPg =
    existsSync("/usr/lib/postgresql") && readdirSync("/usr/lib/postgresql").some((v) => existsSync(join("/usr/lib/postgresql", v, "bin", "initdb")));
  if (!hasPg) return { skipped: "PostgreSQL is not installed (apt-get install postgresql)" };
  const cfg = quick ? { items: 200, rounds: 1 } : { items: 3000, rounds: 3 };
  log(`postgres: ${cfg.items} items × workers 1/2/4 × ${cfg.rounds} rounds`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "bench", "lib", "postgres-throughput.ts"), JSON.stringify(cfg)], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.status !== 0) return { error: `postgres-throughput.ts exited ${r.status}` };
  const raw = JSON.parse(r.stdout.trim().split("\n").at(-1));
  const one = raw.itemsPerSec[1];
  const rows = [1, 2, 4].map((w) => {
    const xs = raw.itemsPerSec[w];
    const ratios = xs.map((x, i) => x / one[i]);
    return {
      workers: w,
      itemsPerSec: median(xs),
      spreadPct: spread(xs).pct,
      ratio: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
    };
  });
  return { ...raw, rows };
}

/** Markdown for RESULTS.md. */
export function renderPostgres(p) {
  if (!p) return "";
  if (p.skipped || p.error) return `_Not measured: ${p.skipped ?? p.error}._\n`;
  const lines = [
    `${p.items.toLocaleString("en-US")} items per run, each worker process at concurrency ${p.concurrency}, server latency ${p.latencyMs} ms; timed from the enqueue transaction's commit to drained(); ${p.rounds} rounds, worker counts rotated; medians. Items sent more than once: ${p.duplicates}.`,
    "",
    "| worker processes | items/s (median) | spread | vs 1 worker (rounds min–max) | ideal |",
    "|---:|---:|---:|---:|---:|",
    ...p.rows.map(
      (r) =>
        `| ${r.workers} | ${Math.round(r.itemsPerSec).toLocaleString("en-US")} | ±${(r.spreadPct / 2).toFixed(0)}% | ${r.ratio.toFixed(2)}× (${r.ratioMin.toFixed(2)}–${r.ratioMax.toFixed(2)}) | ${r.workers}.00× |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}
