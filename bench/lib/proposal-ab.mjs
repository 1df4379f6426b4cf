// Interleaved A/B in one process: raw fetch and rate() from each build in `builds` (see proposals.mjs),
// batch after batch, round after round. mode "stub": the global fetch returns a prebuilt empty 200 (JavaScript
// cost only); mode "http": the loopback server. Prints one JSON line: median CPU µs and wall µs per call.
import { performance } from "node:perf_hooks";
import { median } from "./stats.mjs";
import { API_KEY, COMPLETION_ID, FEEDBACK, FEEDBACK_TYPE_ID } from "./variants.mjs";

const cfg = JSON.parse(process.argv[2] ?? "{}");
const baseUrl = cfg.mode === "stub" ? "http://127.0.0.1:9" : cfg.baseUrl;
if (cfg.mode === "stub") {
  const prebuilt = new Response(null, { status: 200, headers: { "content-length": "0" } });
  globalThis.fetch = async () => prebuilt;
}
const url = `${baseUrl}/api/v2/rate/${FEEDBACK_TYPE_ID}/${COMPLETION_ID}`;
const variants = {
  "raw fetch": async () => {
    const r = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify(FEEDBACK),
    });
    if (!r.ok) throw new Error(`status ${r.status}`);
    await r.arrayBuffer();
  },
};
for (const b of cfg.builds) {
  const { createParadigmClient } = await import(b.entry);
  const client = createParadigmClient({ apiKey: API_KEY, baseUrl });
  variants[`rate() ${b.name}`] = () => client.rate(FEEDBACK_TYPE_ID, COMPLETION_ID, FEEDBACK);
}

const names = Object.keys(variants);
const samples = Object.fromEntries(names.map((n) => [n, []]));
for (const n of names) for (let i = 0; i < cfg.batch; i++) await variants[n]();
for (let r = 0; r < cfg.rounds; r++) {
  for (const n of names) {
    const send = variants[n];
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < cfg.batch; i++) await send();
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    samples[n].push({ cpuUs: (c.user + c.system) / cfg.batch, wallUs: (ms * 1000) / cfg.batch });
  }
}
const out = {};
for (const n of names) out[n] = { cpuUs: median(samples[n].map((s) => s.cpuUs)), wallUs: median(samples[n].map((s) => s.wallUs)) };
process.stdout.write(`${JSON.stringify({ mode: cfg.mode, batch: cfg.batch, rounds: cfg.rounds, variants: out })}\n`);
process.exit(0);
