// PostgreSQL outbox throughput with 1, 2 and 4 worker processes (concurrency 8 each) against a server that answers
// after 20 ms (issue 14). Run by bench/lib/postgres.mjs under tsx; prints one JSON line.
// Workers start first and report ready, then M items are enqueued in one transaction (its commit wakes them), and
// the clock runs from the commit to drained(): process start-up is not timed. Rounds rotate the worker counts.
// argv: JSON { items, rounds }
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import pg from "pg";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue, migratePostgresQueue } from "../../src/postgres/index.ts";
import { startCountingServer } from "../../test/fixtures/counting-server.ts";
import { startPostgres } from "../../test/fixtures/postgres.ts";

const { items, rounds } = JSON.parse(process.argv[2] ?? "{}") as { items: number; rounds: number };
const WORKER = join(import.meta.dirname, "..", "..", "test", "fixtures", "pg-worker.ts");
const WORKERS = [1, 2, 4];
const LATENCY_MS = 20;
const CONCURRENCY = 8;

const cluster = await startPostgres();
const server = await startCountingServer({ holdMs: LATENCY_MS });
const pool = new pg.Pool({ connectionString: cluster.url, max: 4 });
const results: Record<number, number[]> = { 1: [], 2: [], 4: [] };

function startWorker(table: string, workerId: string): { child: ChildProcess; ready: Promise<void>; exit: Promise<number | null> } {
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

try {
  for (let r = 0; r < rounds; r++) {
    for (const w of WORKERS.map((_, i) => WORKERS[(i + r) % WORKERS.length] as number)) {
      const table = `bench_${w}_${r}`;
      await migratePostgresQueue(pool, { table });
      const outbox = createPostgresQueue(createParadigmClient({ apiKey: "bench-key", baseUrl: server.url }), { pool, table });
      const workers = Array.from({ length: w }, (_, i) => startWorker(table, `b${i}`));
      await Promise.all(workers.map((x) => x.ready));
      const db = await pool.connect();
      await db.query("BEGIN");
      for (let i = 0; i < items; i++) await outbox.enqueue(1, `r${r}w${w}i${i}`, { flag: true }, { db });
      await db.query("COMMIT");
      db.release();
      const t0 = performance.now();
      await outbox.drained({ pollMs: 20 });
      const secs = (performance.now() - t0) / 1000;
      for (const x of workers) x.child.kill("SIGTERM");
      await Promise.all(workers.map((x) => x.exit));
      const counts = await outbox.counts();
      if (counts.delivered !== items) throw new Error(`round ${r}, ${w} workers: ${JSON.stringify(counts)}`);
      results[w]?.push(items / secs);
      console.error(`postgres bench: round ${r + 1}/${rounds}, ${w} worker(s): ${(items / secs).toFixed(0)} items/s`);
    }
  }
  const dup = [...server.counts.values()].filter((c) => c !== 1).length;
  console.log(JSON.stringify({ items, rounds, latencyMs: LATENCY_MS, concurrency: CONCURRENCY, itemsPerSec: results, duplicates: dup }));
} finally {
  await pool.end();
  await server.close();
  await cluster.stop();
}
