// Numeric edges of the options: times beyond what setTimeout honours (2^31-1 ms, else it fires at once) and beyond
// what PostgreSQL's timestamptz holds (a lease or a pause that would end after the year 294276).
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { ParadigmConfigError } from "../../src/core/errors.ts";
import { createPostgresQueue, type PostgresPool } from "../../src/postgres/index.ts";
import { migrated, newPool, startScriptedServer, until } from "./queue-setup.ts";

const pool = newPool();
afterAll(() => pool.end());

/** The pool, counting the queries whose text includes each key. */
function counting(keys: string[]): PostgresPool & { n: Record<string, number> } {
  const n: Record<string, number> = Object.fromEntries(keys.map((k) => [k, 0]));
  return {
    n,
    query: (text, values) => {
      for (const k of keys) if (text.includes(k)) n[k] = (n[k] ?? 0) + 1;
      return pool.query(text, values);
    },
    connect: () => pool.connect() as never,
  };
}

describe("timers past 2^31-1 ms", () => {
  it("an idle worker with pollMs above 2^31-1 ms waits, rather than polling in a loop", async () => {
    const table = await migrated(pool);
    const p = counting(["AS pause_ms"]);
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" }), { pool: p, table });
    const worker = outbox.work({ pollMs: 3e9 });
    await new Promise((r) => setTimeout(r, 600));
    await worker.stop();
    expect(p.n["AS pause_ms"]).toBeLessThanOrEqual(2);
  });

  it("reapEveryMs above 2^31-1 ms reaps at start, not every millisecond", async () => {
    const table = await migrated(pool);
    const p = counting(["lease_until < clock_timestamp()"]);
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" }), { pool: p, table });
    const worker = outbox.work({ pollMs: 50, reapEveryMs: 3e9 });
    await new Promise((r) => setTimeout(r, 600));
    await worker.stop();
    expect(p.n["lease_until < clock_timestamp()"]).toBeLessThanOrEqual(2);
  });
});

describe("times past what timestamptz holds", () => {
  it("a leaseMs whose end PostgreSQL cannot store is refused with ParadigmConfigError, not a worker that dies at its first claim", async () => {
    const table = await migrated(pool);
    const client = createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" });
    let outcome: string;
    try {
      const outbox = createPostgresQueue(client, { pool, table, leaseMs: 1e16 });
      await outbox.enqueue(1, "x", { flag: true });
      const worker = outbox.work({ pollMs: 20 });
      const died = await Promise.race([
        worker.done.then(
          () => "stopped",
          (e: Error) => `died: ${e.message}`,
        ),
        new Promise((r) => setTimeout(r, 1000)),
      ]);
      await worker.stop().catch(() => undefined);
      outcome = typeof died === "string" ? died : "ran";
    } catch (e) {
      outcome = e instanceof ParadigmConfigError ? `refused: ${e.message}` : `other: ${String(e)}`;
    }
    expect(outcome).toMatch(/^refused: leaseMs/);
  });

  it("a Retry-After beyond what timestamptz holds (maxRetryDelayMs uncapped) still requeues the item and pauses the queue", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer(() => ({ status: 429, headers: { "retry-after": "1e13" } }));
    const retries: number[] = [];
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), {
      pool,
      table,
      maxRetryDelayMs: 1e20, // "no cap"
      onRetry: (_i, _e, ms) => retries.push(ms),
    });
    await outbox.enqueue(1, "far", { flag: true });
    const worker = outbox.work({ pollMs: 20 });
    try {
      await until(() => server.seen.length === 1, 5000, "the request");
      // The settle and its two retries take 1.2 s; then the row is queued again, or left in flight (the bug).
      await new Promise((r) => setTimeout(r, 2000));
      expect(await outbox.counts()).toMatchObject({ queued: 1, inFlight: 0 });
      expect(retries.length).toBe(1);
      const { rows } = await pool.query(`SELECT until > now() + interval '20 days' AS paused FROM "${table}_pause"`);
      expect(rows[0]?.paused).toBe(true);
    } finally {
      await worker.stop();
      await server.close();
    }
  });
});
