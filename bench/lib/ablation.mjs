// What each piece of the transport costs on the real network path: raw fetch, then raw fetch plus one more
// piece of what src/client/transport.ts does per attempt, up to rate() itself. All variants run in ONE process,
// interleaved in short batches (A B C … A B C …), so machine load hits them alike; the result is the median
// client CPU µs per request of each. Usage: node bench/lib/ablation.mjs '{"baseUrl":…,"batch":200,"rounds":15}'
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { median } from "./stats.mjs";
import { API_KEY, COMPLETION_ID, FEEDBACK, FEEDBACK_TYPE_ID, paradigmEntry } from "./variants.mjs";

const cfg = JSON.parse(process.argv[2] ?? "{}");
const url = `${cfg.baseUrl}/api/v2/rate/${FEEDBACK_TYPE_ID}/${COMPLETION_ID}`;
const e = paradigmEntry();
const { createParadigmClient } = await import(e.startsWith("file:") ? e : pathToFileURL(e).href);
const client = createParadigmClient({ apiKey: API_KEY, baseUrl: cfg.baseUrl });
const unvalidated = createParadigmClient({ apiKey: API_KEY, baseUrl: cfg.baseUrl, validate: false });

const init = (signal) => ({
  method: "POST",
  headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
  body: JSON.stringify(FEEDBACK),
  ...(signal ? { signal } : {}),
});
const check = (r) => {
  if (!r.ok) throw new Error(`status ${r.status}`);
};

// src/client/transport.ts's race(), copied: a settled promise raced against the attempt's signal.
function race(p, signal) {
  return new Promise((resolve, reject) => {
    const stop = () => reject(signal.reason);
    if (signal.aborted) stop();
    signal.addEventListener("abort", stop, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
  });
}

const variants = {
  fetch: async () => {
    const r = await fetch(url, init());
    check(r);
    await r.arrayBuffer();
  },
  "+ AbortController and 30 s timer, signal not passed": async () => {
    const ctrl = new AbortController();
    const t = setTimeout(() => ctrl.abort(), 30_000);
    try {
      const r = await fetch(url, init());
      check(r);
      await r.arrayBuffer();
    } finally {
      clearTimeout(t);
    }
  },
  "+ that signal passed to fetch": async () => {
    const ctrl = new AbortController();
    const t = setTimeout(() => ctrl.abort(), 30_000);
    try {
      const r = await fetch(url, init(ctrl.signal));
      check(r);
      await r.arrayBuffer();
    } finally {
      clearTimeout(t);
    }
  },
  "+ race() against the signal (paid only with a custom `fetch` option)": async () => {
    const ctrl = new AbortController();
    const t = setTimeout(() => ctrl.abort(), 30_000);
    try {
      const [r] = await race(
        fetch(url, init(ctrl.signal)).then(async (r) => [r, await r.arrayBuffer()]),
        ctrl.signal,
      );
      check(r);
    } finally {
      clearTimeout(t);
    }
  },
  "rate(), validate: false": async () => {
    await unvalidated.rate(FEEDBACK_TYPE_ID, COMPLETION_ID, FEEDBACK);
  },
  "rate()": async () => {
    await client.rate(FEEDBACK_TYPE_ID, COMPLETION_ID, FEEDBACK);
  },
};

const names = Object.keys(variants);
const samples = Object.fromEntries(names.map((n) => [n, []]));
for (const n of names) for (let i = 0; i < cfg.batch; i++) await variants[n](); // warm-up
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
process.stdout.write(`${JSON.stringify({ batch: cfg.batch, rounds: cfg.rounds, variants: out })}\n`);
process.exit(0);
