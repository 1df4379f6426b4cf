// PostgreSQL outbox throughput with 1, 2 and 4 worker processes (concurrency 8 each) against a server that answers
// after 20 ms (issue 14). Run by bench/lib/postgres.mjs under tsx; prints one JSON line.
// Workers start first and report ready, then M items are enqueued in one transaction (its commit wakes them), and
// the clock runs from the commit to drained(): process start-up is not timed. Rounds rotate the worker counts.
// A second, slower server (200 ms) shows how the claims scale when the machine's CPU is not what limits them.
// argv: JSON { runs: [{ latencyMs, items }], rounds }
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue, migratePostgresQueue } from "../../src/postgres/index.ts";
import { startCountingServer } from "../../test/fixtures/counting-server.ts";
import { startPostgres } from "../../test/fixtures/postgres.ts";

const { runs, rounds } = JSON.parse(process.argv[2] ?? "{}") as { runs: { latencyMs: number; items: number }[]; rounds: number };
const WORKER = join(import.meta.dirname, "..", "..", "test", "fixtures", "pg-worker.ts");
const WORKERS = [1, 2, 4];
const CONCURRENCY = 8;

const cluster = await startPostgres();
const pool = new pg.Pool({ connectionString: cluster.url, max: 4 });

function startWorker(server: { url: string }, table: string, workerId: string): { child: ChildProcess; ready: Promise<void>; exit: Promise<number | null> } {
  const args = { pgUrl: cluster.url, table, baseUrl: server.url, concurrency: CONCURRENCY, workerId, pollMs: 50 };
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, JSON.stringify(args)], { stdio: ["ignore", "ignore", "pipe"] });
  const ready = new Promise<void>((resolve, reject) => {
    let err = "";
    child.stderr?.on("data", (d) => {
      err += d;
      if (err.includes("started")) resolve();
    });
    child.once("exit", () => reject(new Error(`worker ${workerId} exited before starting: ${err}`)));
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, ready, exit };
}

const out = [];
const servers: { close(): Promise<void> }[] = [];
try {
  for (const { latencyMs, items } of runs) {
    const server = await startCountingServer({ holdMs: latencyMs });
    servers.push(server);
    const results: Record<number, number[]> = { 1: [], 2: [], 4: [] };
    const cpu: Record<number, number[]> = { 1: [], 2: [], 4: [] };
    for (let r = 0; r < rounds; r++) {
      for (const w of WORKERS.map((_, i) => WORKERS[(i + r) % WORKERS.length] as number)) {
        const table = `bench_${latencyMs}_${w}_${r}`;
        await migratePostgresQueue(pool, { table });
        const outbox = createPostgresQueue(createParadigmClient({ apiKey: "bench-key", baseUrl: server.url }), { pool, table });
        const workers = Array.from({ length: w }, (_, i) => startWorker(server, table, `b${i}`));
        await Promise.all(workers.map((x) => x.ready));
        const db = await pool.connect();
        await db.query("BEGIN");
        for (let i = 0; i < items; i++) await outbox.enqueue(1, `l${latencyMs}r${r}w${w}i${i}`, { flag: true }, { db });
        await db.query("COMMIT");
        db.release();
        const t0 = performance.now();
        const busy0 = machineBusy();
        await outbox.drained({ pollMs: 20 });
        const secs = (performance.now() - t0) / 1000;
        const busy = machineBusy() - busy0;
        for (const x of workers) x.child.kill("SIGTERM");
        await Promise.all(workers.map((x) => x.exit));
        const counts = await outbox.counts();
        if (counts.delivered !== items) throw new Error(`latency ${latencyMs}, round ${r}, ${w} workers: ${JSON.stringify(counts)}`);
        results[w]?.push(items / secs);
        cpu[w]?.push(busy / secs); // cores busy, machine-wide, while draining
        console.error(
          `postgres bench: ${latencyMs} ms, round ${r + 1}/${rounds}, ${w} worker(s): ${(items / secs).toFixed(0)} items/s, ${(busy / secs).toFixed(2)} cores busy`,
        );
      }
    }
    const dup = [...(server as unknown as { counts: Map<string, number> }).counts.values()].filter((c) => c !== 1).length;
    out.push({ latencyMs, items, itemsPerSec: results, coresBusy: cpu, duplicates: dup });
  }
  console.log(JSON.stringify({ rounds, concurrency: CONCURRENCY, cores: cpus().length, runs: out }));
} finally {
  await pool.end();
  for (const server of servers) await server.close();
  await cluster.stop();
}

/** Seconds of CPU the whole machine spent busy so far (all cores, from /proc/stat): the ceiling on a 2-core box. */
function machineBusy(): number {
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
  const [user, nice, system, , , irq, softirq, steal] = line.split(/\s+/).slice(1).map(Number) as number[];
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
}
