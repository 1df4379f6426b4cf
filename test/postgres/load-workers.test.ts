// Worker processes sharing one PostgreSQL outbox (issue 14): 4 processes × concurrency 8 against a server that refuses
// a fifth of the requests with 429 or 503 + Retry-After; then one worker SIGKILLed mid-run. The app side (enqueue in
// its own transactions) runs here, as a user's app would, while the workers deliver.
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue, migratePostgresQueue } from "../../src/postgres/index.ts";
import { startCountingServer } from "../fixtures/counting-server.ts";
import { type CliRun, spawnTs } from "../fixtures/spawn-cli.ts";

const WORKER = join(import.meta.dirname, "..", "fixtures", "pg-worker.ts");
let pool: pg.Pool;

beforeAll(() => {
  pool = new pg.Pool({ connectionString: inject("pgUrl"), max: 8 });
});
afterAll(() => pool.end());

interface Worker {
  run: CliRun;
  id: string;
}

const startWorker = (args: Record<string, unknown>): Worker => ({ run: spawnTs(WORKER, [JSON.stringify(args)]), id: String(args.workerId) });

/** Enqueues ratings 0..n-1 in the app's own transactions of `batch` items, as the README shows. */
async function enqueueAll(outbox: ReturnType<typeof createPostgresQueue>, n: number, batch: number) {
  for (let start = 0; start < n; start += batch) {
    const db = await pool.connect();
    try {
      await db.query("BEGIN");
      for (let i = start; i < Math.min(n, start + batch); i++) await outbox.enqueue(1, `c${i}`, { value: i }, { db, ref: i });
      await db.query("COMMIT");
    } catch (e) {
      await db.query("ROLLBACK");
      throw e;
    } finally {
      db.release();
    }
  }
}

async function statuses(table: string): Promise<Record<string, number>> {
  const r = await pool.query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM "${table}" GROUP BY status`);
  return Object.fromEntries(r.rows.map((row) => [row.status, Number(row.n)]));
}

describe("worker processes sharing one outbox", () => {
  it("4 workers × concurrency 8 deliver 20,000 items exactly once while a fifth of the requests get 429 or 503", { timeout: 300_000 }, async () => {
    const N = 20_000;
    const table = `load_${randomBytes(4).toString("hex")}`;
    await migratePostgresQueue(pool, { table });
    const server = await startCountingServer({ refuse: 0.2, retryAfterMs: 5, seed: 7 });
    const client = createParadigmClient({ apiKey: "app-key", baseUrl: server.url });
    const outbox = createPostgresQueue(client, { pool, table });
    const workers = [1, 2, 3, 4].map((w) =>
      startWorker({ pgUrl: inject("pgUrl"), table, baseUrl: server.url, concurrency: 8, workerId: `w${w}`, pollMs: 100 }),
    );
    try {
      const t0 = Date.now();
      await enqueueAll(outbox, N, 500);
      await outbox.drained({ pollMs: 100 });
      const secs = (Date.now() - t0) / 1000;
      for (const w of workers) w.run.kill("SIGTERM");
      const exits = await Promise.all(workers.map((w) => w.run.done));
      for (const e of exits) expect(e.code, e.stderr).toBe(0);
      const reports = exits.map((e) => JSON.parse(e.stdout.trim().split("\n").at(-1) as string) as { workerId: string; delivered: number; retries: number });
      console.log(
        `4 workers × 8: ${N} items in ${secs.toFixed(1)} s; server refused ${server.refused[429]}×429 + ${server.refused[503]}×503; per worker ${reports.map((r) => `${r.workerId} ${r.delivered} (+${r.retries} retries)`).join(", ")}`,
      );

      expect(await statuses(table)).toEqual({ delivered: N });
      expect(server.refused[429] + server.refused[503]).toBeGreaterThan(N * 0.2); // the refusals happened
      expect(server.accepted).toBe(N);
      for (let i = 0; i < N; i++) expect.soft(server.counts.get(`1/c${i}`) ?? 0, `c${i}`).toBe(1);
      expect(reports.reduce((s, r) => s + r.delivered, 0)).toBe(N);
      // Every worker took part: the claims were shared, not serialised behind one.
      for (const r of reports) expect(r.delivered, r.workerId).toBeGreaterThan(N / 20);
      expect(server.unauthenticated).toBe(0);
      expect(await outbox.counts()).toMatchObject({ queued: 0, inFlight: 0, delivered: N, failed: 0, unknown: 0 });
    } finally {
      for (const w of workers) w.run.kill("SIGKILL");
      await server.close();
    }
  });

  it.each(["hold", "resend"] as const)(
    'a worker SIGKILLed mid-run (onExpiredLease "%s"): nothing is lost; only its in-flight items are held (or resent), nothing else twice',
    { timeout: 180_000 },
    async (mode) => {
      const N = 3_000;
      const table = `kill_${mode}_${randomBytes(4).toString("hex")}`;
      await migratePostgresQueue(pool, { table });
      let victim: Worker | undefined;
      let killedAt = 0;
      const server = await startCountingServer({
        holdMs: 20, // keeps requests in flight, so the kill catches some
        onAccept: (_, total) => {
          if (total === 1_000 && victim) {
            killedAt = total;
            victim.run.kill("SIGKILL");
          }
        },
      });
      const client = createParadigmClient({ apiKey: "app-key", baseUrl: server.url });
      const outbox = createPostgresQueue(client, { pool, table });
      const common = {
        pgUrl: inject("pgUrl"),
        table,
        baseUrl: server.url,
        concurrency: 8,
        pollMs: 100,
        // Far above the server's 20 ms even on a loaded machine, so the only ambiguity left is the kill's; the lease is
        // the shortest allowed (timeout + 5 s), so the dead worker's rows are reaped soon.
        timeoutMs: 3_000,
        leaseMs: 8_000,
        onExpiredLease: mode,
      };
      await enqueueAll(outbox, N, 1_000);
      const workers = [1, 2, 3, 4].map((w) => startWorker({ ...common, workerId: `w${w}` }));
      victim = workers[1];
      try {
        await outbox.drained({ pollMs: 100 });
        for (const w of workers) w.run.kill("SIGTERM");
        const exits = await Promise.all(workers.map((w) => w.run.done));
        expect(killedAt).toBe(1_000);
        expect(exits[1]?.signal).toBe("SIGKILL");
        for (const e of [exits[0], exits[2], exits[3]]) expect(e?.code, e?.stderr).toBe(0);

        const s = await statuses(table);
        const rows = await pool.query(`SELECT id FROM "${table}"`);
        expect(rows.rows).toHaveLength(N); // nothing lost
        const counts = Array.from({ length: N }, (_, i) => server.counts.get(`1/c${i}`) ?? 0);
        const twice = counts.filter((c) => c === 2).length;
        console.log(`SIGKILL (${mode}): statuses ${JSON.stringify(s)}; sent twice: ${twice}; never sent: ${counts.filter((c) => c === 0).length}`);
        expect(counts.every((c) => c <= 2)).toBe(true);
        if (mode === "hold") {
          // The victim's in-flight items, at most its concurrency, are held as unknown; everything else delivered once.
          expect(s.unknown ?? 0).toBeGreaterThanOrEqual(1);
          expect(s.unknown ?? 0).toBeLessThanOrEqual(8);
          expect((s.delivered ?? 0) + (s.unknown ?? 0)).toBe(N);
          expect(twice).toBe(0);
          const failed = await outbox.failed();
          expect(failed).toHaveLength(s.unknown ?? 0);
          for (const f of failed) {
            expect(f.deliveryUnknown).toBe(true);
            expect(f.error.name, f.error.message).toBe("LeaseExpired"); // held because its worker died, nothing else
          }
          const held = new Set(failed.map((f) => f.completionId));
          for (let i = 0; i < N; i++) if (!held.has(`c${i}`)) expect.soft(counts[i], `c${i}`).toBe(1);
        } else {
          // Resent: every item delivered, at least once; only the victim's in-flight items (≤ 8) may be twice.
          expect(s).toEqual({ delivered: N });
          expect(counts.every((c) => c >= 1)).toBe(true);
          expect(twice).toBeLessThanOrEqual(8);
        }
      } finally {
        for (const w of workers) w.run.kill("SIGKILL");
        await server.close();
      }
    },
  );
});
