// One variant, one process: warm up, then time N sequential requests and N requests at concurrency C
// against the loopback server. Prints one JSON line: req/s and client CPU µs per request for each mode.
// Usage (run.mjs does this, pinned with taskset): node --import tsx bench/lib/http-client.mjs '<json config>'
import { performance } from "node:perf_hooks";
import { pool, VARIANTS } from "./variants.mjs";

const cfg = JSON.parse(process.argv[2] ?? "{}");
const send = await VARIANTS[cfg.variant]({ baseUrl: cfg.baseUrl });

async function runSequential(n) {
  for (let i = 0; i < n; i++) await send();
}

async function timed(fn) {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ms, cpuUs: cpu.user + cpu.system };
}

const out = { variant: cfg.variant, node: process.version, undici: process.versions.undici };
for (const mode of cfg.modes) {
  if (mode.c === 1) await runSequential(mode.warm);
  else await pool(send, mode.warm, mode.c);
  const { ms, cpuUs } = await timed(() => (mode.c === 1 ? runSequential(mode.n) : pool(send, mode.n, mode.c)));
  out[mode.name] = { n: mode.n, c: mode.c, ms, rps: (mode.n / ms) * 1000, cpuUsPerReq: cpuUs / mode.n };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
// Keep-alive sockets would hold the process open.
process.exit(0);
