// The timeout and abort primitives alone, no network, per Node version: what one attempt pays for each way of
// making a signal and a deadline, and what undici's Request pays to follow a signal. Each piece runs in short
// interleaved batches (median of rounds), in one process per Node binary (20 = this one; 22 and 24 from the npm
// `node` packages test-dist/run.mjs installs in ~/.cache/paradigm-client/runtimes, or --node=…).
//   node bench/lib/abort-pieces.mjs [--rounds=15] [--batch=20000] [--node=/path/to/node …]
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const RUNTIMES = process.env.PARADIGM_RUNTIMES_DIR ?? join(homedir(), ".cache", "paradigm-client", "runtimes");
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function pieces({ rounds, batch }) {
  const url = "http://127.0.0.1:9/api/v2/rate/3/c";
  const live = new Set();
  // Kept alive, so no piece is optimized away. Node creates a controller's signal on first access: read it, as fetch does.
  let sink;
  const P = {
    "new AbortController().signal": () => {
      sink = new AbortController().signal;
    },
    "setTimeout(30 s) + clearTimeout": () => clearTimeout(setTimeout(() => {}, 30_000)),
    "AbortController(.signal) + setTimeout + clearTimeout (today's attempt)": () => {
      const c = new AbortController();
      sink = c.signal;
      clearTimeout(setTimeout(() => c.abort(), 30_000));
    },
    "AbortController(.signal) + shared deadline set (add, delete)": () => {
      const e = { c: new AbortController(), deadline: Date.now() + 30_000 };
      sink = e.c.signal;
      live.add(e);
      live.delete(e);
    },
    "AbortSignal.timeout(30 s) (its timer cannot be cleared: it lives 30 s)": () => {
      sink = AbortSignal.timeout(30_000);
    },
    "new Request(url, init), no signal": () => {
      sink = new Request(url, { method: "POST", body: "{}" });
    },
    "new Request(url, init) with a fresh controller's signal": () => {
      sink = new Request(url, { method: "POST", body: "{}", signal: new AbortController().signal });
    },
  };
  const names = Object.keys(P);
  const samples = Object.fromEntries(names.map((n) => [n, []]));
  for (const n of names) for (let i = 0; i < batch; i++) P[n]();
  for (let r = 0; r < rounds; r++)
    for (const n of names) {
      const f = P[n];
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) f();
      samples[n].push(((performance.now() - t0) * 1000) / batch);
      // Let the timers and finalizers of the batch run before the next piece is timed.
      await new Promise((r) => setTimeout(r, 5));
    }
  void sink;
  return Object.fromEntries(names.map((n) => [n, median(samples[n])]));
}

if (process.argv[2] === "--client") {
  process.stdout.write(`${JSON.stringify(await pieces(JSON.parse(process.argv[3])))}\n`);
  process.exit(0);
} else {
  const arg = (k, d) => process.argv.find((a) => a.startsWith(`--${k}=`))?.slice(k.length + 3) ?? d;
  const cfg = { rounds: Number(arg("rounds", 15)), batch: Number(arg("batch", 20000)) };
  let bins = process.argv.filter((a) => a.startsWith("--node=")).map((a) => a.slice(7));
  if (!bins.length)
    bins = [process.execPath, ...["22.23.3", "24.21.0"].map((v) => join(RUNTIMES, `node-${v}`, "node_modules", "node", "bin", "node")).filter(existsSync)];
  const res = bins.map((b) => ({
    node: execFileSync(b, ["--version"], { encoding: "utf8" }).trim(),
    r: JSON.parse(execFileSync(b, [fileURLToPath(import.meta.url), "--client", JSON.stringify(cfg)], { encoding: "utf8" })),
  }));
  const names = Object.keys(res[0].r);
  console.log(`| piece (µs/op, median of ${cfg.rounds} batches of ${cfg.batch}) | ${res.map((x) => x.node).join(" | ")} |`);
  console.log(`|---|${res.map(() => "---:").join("|")}|`);
  for (const n of names) console.log(`| ${n} | ${res.map((x) => x.r[n].toFixed(2)).join(" | ")} |`);
}
