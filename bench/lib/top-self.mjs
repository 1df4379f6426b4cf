// Summarizes a V8 .cpuprofile (from node --cpu-prof): self time per function, largest first.
// Usage: node bench/lib/top-self.mjs <file.cpuprofile> [rows]
import { readFileSync } from "node:fs";

/** `group`: "function" (default) or "package" (node_modules/<pkg>, else the file). */
export function topSelf(file, rows = 25, group = "function") {
  const p = JSON.parse(readFileSync(file, "utf8"));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const perNode = new Map();
  for (let i = 0; i < p.samples.length; i++) perNode.set(p.samples[i], (perNode.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  const self = new Map();
  let total = 0;
  for (const [id, t] of perNode) {
    const f = byId.get(id).callFrame;
    const where = f.url ? `${f.url.split("/").slice(-2).join("/")}:${f.lineNumber + 1}` : "";
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url)?.[1] ?? (f.url ? f.url.split("/").slice(-2).join("/") : f.functionName);
    const k = group === "package" ? pkg : `${f.functionName || "(anonymous)"} ${where}`.trim();
    self.set(k, (self.get(k) ?? 0) + t);
    total += t;
  }
  return {
    totalMs: total / 1000,
    top: [...self]
      .sort((a, b) => b[1] - a[1])
      .slice(0, rows)
      .map(([k, t]) => ({ fn: k, ms: t / 1000, pct: (100 * t) / total })),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { totalMs, top } = topSelf(process.argv[2], Number(process.argv[3] ?? 25), process.argv[4]);
  console.log(`total ${totalMs.toFixed(0)} ms`);
  for (const r of top) console.log(`${r.ms.toFixed(1).padStart(8)} ms ${r.pct.toFixed(1).padStart(5)}%  ${r.fn}`);
}
