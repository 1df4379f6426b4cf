// The queue's own cost per item, in one process, interleaved: for each build in `builds` (see queueBuilds below),
// `batch` ratings through createFeedbackQueue(client, { concurrency: c }) (enqueue awaited, then close(), as
// queue-client.mjs does), and the same count through a hand-written Promise pool of c workers calling that
// build's rate(). mode "stub": the global fetch returns a prebuilt empty 200 (JavaScript cost only, where the
// queue's few µs are not drowned by the network); mode "http": the loopback server. Batches alternate
// (A B C … A B C …) so machine load hits every row alike. Prints one JSON line: per row, the median CPU µs and wall
// µs per item, and per build the median over rounds of (queue − pool) CPU µs and of pool wall / queue wall.
// Usage: node bench/lib/queue-ab.mjs '{"mode":"stub","builds":[{"name":"…","index":"file:…","queue":"file:…"}],"batch":2000,"rounds":15,"c":16}'
import { performance } from "node:perf_hooks";
import { median } from "./stats.mjs";
import { API_KEY, COMPLETION_ID, FEEDBACK, FEEDBACK_TYPE_ID, pool } from "./variants.mjs";

const cfg = JSON.parse(process.argv[2] ?? "{}");
const c = cfg.c ?? 16;
const baseUrl = cfg.mode === "stub" ? "http://127.0.0.1:9" : cfg.baseUrl;
if (cfg.mode === "stub") {
  const prebuilt = new Response(null, { status: 200, headers: { "content-length": "0" } });
  globalThis.fetch = async () => prebuilt;
}

const rows = {};
for (const b of cfg.builds) {
  const { createParadigmClient } = await import(b.index);
  const { createFeedbackQueue } = await import(b.queue);
  const client = createParadigmClient({ apiKey: API_KEY, baseUrl });
  rows[`pool ${b.name}`] = (n) => pool(() => client.rate(FEEDBACK_TYPE_ID, COMPLETION_ID, FEEDBACK), n, c);
  // `extraMaxQueued`: more queue rows with a smaller maxQueued (diagnostic: what holding 1,000 items costs).
  for (const mq of [undefined, ...(cfg.extraMaxQueued ?? [])]) {
    rows[`queue ${b.name}${mq ? ` maxQueued=${mq}` : ""}`] = async (n) => {
      const queue = createFeedbackQueue(client, { concurrency: c, ...(mq ? { maxQueued: mq } : {}) });
      for (let i = 0; i < n; i++) await queue.enqueue(FEEDBACK_TYPE_ID, COMPLETION_ID, FEEDBACK);
      await queue.close();
      if (queue.counts.delivered !== n) throw new Error(`queue ${b.name} delivered ${queue.counts.delivered}/${n}`);
    };
  }
}

const names = Object.keys(rows);
const samples = Object.fromEntries(names.map((n) => [n, []]));
for (const n of names) await rows[n](cfg.batch);
for (let r = 0; r < cfg.rounds; r++) {
  // Rotated, so no row always runs right after the same neighbour.
  for (const n of names.map((_, i) => names[(i + r) % names.length])) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await rows[n](cfg.batch);
    const ms = performance.now() - t0;
    const cu = process.cpuUsage(c0);
    samples[n].push({ cpuUs: (cu.user + cu.system) / cfg.batch, wallUs: (ms * 1000) / cfg.batch });
  }
}
const out = { mode: cfg.mode, batch: cfg.batch, rounds: cfg.rounds, c, rows: {}, builds: {} };
for (const n of names) out.rows[n] = { cpuUs: median(samples[n].map((s) => s.cpuUs)), wallUs: median(samples[n].map((s) => s.wallUs)) };
for (const b of cfg.builds) {
  const q = samples[`queue ${b.name}`];
  const p = samples[`pool ${b.name}`];
  out.builds[b.name] = {
    overheadCpuUs: median(q.map((s, i) => s.cpuUs - p[i].cpuUs)),
    // Throughput ratio queue / pool of rate(): pool wall time over queue wall time, per round.
    ratio: median(q.map((s, i) => p[i].wallUs / s.wallUs)),
    ratioMin: Math.min(...q.map((s, i) => p[i].wallUs / s.wallUs)),
    ratioMax: Math.max(...q.map((s, i) => p[i].wallUs / s.wallUs)),
    // The same from client CPU (pool CPU / queue CPU per item): less sensitive to waiting for a busy core.
    cpuRatio: median(q.map((s, i) => p[i].cpuUs / s.cpuUs)),
  };
}
process.stdout.write(`${JSON.stringify(out)}\n`);
process.exit(0);
