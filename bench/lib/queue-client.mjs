// Queue throughput, one mode per process: N ratings through createFeedbackQueue (paradigm-client/queue) at
// concurrency C, against hand-written Promise pools of C workers (raw fetch, and rate()) on the same server.
// Prints one JSON line. Usage (run.mjs does this, pinned): node --import tsx bench/lib/queue-client.mjs '<json>'
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { API_KEY, COMPLETION_ID, FEEDBACK, FEEDBACK_TYPE_ID, pool, VARIANTS } from "./variants.mjs";

const cfg = JSON.parse(process.argv[2] ?? "{}");
const load = (e) => import(e.startsWith("file:") ? e : pathToFileURL(e).href);

let run;
if (cfg.mode === "queue") {
  const { createParadigmClient } = await load(process.env.PARADIGM_ENTRY);
  const { createFeedbackQueue } = await load(process.env.PARADIGM_QUEUE_ENTRY);
  const client = createParadigmClient({ apiKey: API_KEY, baseUrl: cfg.baseUrl });
  run = async (n) => {
    // Defaults except concurrency: maxQueued 1000 with whenFull "wait", so enqueue() applies back-pressure.
    const queue = createFeedbackQueue(client, { concurrency: cfg.c });
    for (let i = 0; i < n; i++) await queue.enqueue(FEEDBACK_TYPE_ID, COMPLETION_ID, FEEDBACK);
    await queue.close();
    const k = queue.counts;
    if (k.delivered !== n || k.failed || k.unknown) throw new Error(`queue delivered ${k.delivered}/${n}, failed ${k.failed}, unknown ${k.unknown}`);
  };
} else {
  const send = await VARIANTS[cfg.mode === "pool-fetch" ? "fetch" : "paradigm rate()"]({ baseUrl: cfg.baseUrl });
  run = (n) => pool(send, n, cfg.c);
}

await run(cfg.warm);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await run(cfg.n);
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`${JSON.stringify({ mode: cfg.mode, n: cfg.n, c: cfg.c, ms, rps: (cfg.n / ms) * 1000, cpuUsPerReq: (cpu.user + cpu.system) / cfg.n })}\n`);
process.exit(0);
