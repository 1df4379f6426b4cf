// JavaScript-only cost per call: the client's own work with the network replaced by a stub global fetch
// that returns a prebuilt, empty 200 Response. One variant per process (no JIT cross-talk between clients).
// Prints one JSON line: the median µs/call (wall and CPU) over `batches` batches of `n` awaited calls.
import { performance } from "node:perf_hooks";
import { median } from "./stats.mjs";
import { VARIANTS } from "./variants.mjs";

const cfg = JSON.parse(process.argv[2] ?? "{}");
// A null body can be read any number of times, so one Response serves every call.
const prebuilt = new Response(null, { status: 200, headers: { "content-length": "0" } });
// The stub replaces the global fetch, before any client is created: every client then runs its default
// configuration (none is given a `fetch` option, which could switch a client onto another code path).
globalThis.fetch = async () => prebuilt;
const send = await VARIANTS[cfg.variant]({ baseUrl: "http://127.0.0.1:9" });

for (let i = 0; i < cfg.warm; i++) await send();
const wall = [];
const cpu = [];
for (let b = 0; b < cfg.batches; b++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < cfg.n; i++) await send();
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  wall.push((ms * 1000) / cfg.n);
  cpu.push((c.user + c.system) / cfg.n);
}
process.stdout.write(`${JSON.stringify({ variant: cfg.variant, wallUs: median(wall), cpuUs: median(cpu), batchesWallUs: wall })}\n`);
