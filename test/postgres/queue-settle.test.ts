// Settling an item: every write is keyed on the claim it settles, so a settle that is retried (its reply was lost
// after the commit) or that comes late (the lease ended meanwhile) never lands on another claim of the same row.
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue, type PostgresPool } from "../../src/postgres/index.ts";
import { LEASE_MARGIN_MS } from "../../src/postgres/queue.ts";
import { losingOneReply, migrated, newPool, startScriptedServer, until } from "./queue-setup.ts";

const pool = newPool();
afterAll(() => pool.end());

describe("settling", () => {
  it("a retry settle whose reply was lost never requeues the row's next claim (sent exactly twice: 429, then 200)", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer((_k, nth) => (nth === 0 ? { status: 429, headers: { "retry-after": "0" } } : { status: 200, delayMs: 400 }));
    const flaky = losingOneReply(pool, (text) => text.includes("SET status = 'queued', available_at"));
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), { pool: flaky, table });
    await outbox.enqueue(1, "once", { flag: true });
    const worker = outbox.work({ concurrency: 2, pollMs: 20 });
    try {
      await until(async () => (await outbox.counts()).delivered === 1, 10_000, "delivery");
      await new Promise((r) => setTimeout(r, 1500));
      expect(flaky.lost).toBe(1);
      expect(server.count("1/once")).toBe(2);
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  it("the shortest lease allowed outlasts a delivered item's settle retries (2 failed writes): never reaped and resent meanwhile", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer(() => ({ status: 200, delayMs: 400 }));
    let failures = 0;
    // Worker A's first two "delivered" writes fail (a database blip); its 3rd, after the documented retries, succeeds.
    const blip: PostgresPool = {
      query: async (text, values) => {
        if (text.includes("SET status = 'delivered'") && failures < 2) {
          failures++;
          throw new Error("Connection terminated unexpectedly");
        }
        return pool.query(text, values);
      },
      connect: () => pool.connect() as never,
    };
    const opts = { table, onExpiredLease: "resend" as const, leaseMs: 500 + LEASE_MARGIN_MS, rateOptions: { timeoutMs: 500 } };
    const client = createParadigmClient({ apiKey: "k", baseUrl: server.url });
    const a = createPostgresQueue(client, { ...opts, pool: blip });
    const b = createPostgresQueue(client, { ...opts, pool });
    await a.enqueue(1, "x", { flag: true });
    const wa = a.work({ concurrency: 1, pollMs: 20 });
    await until(() => server.seen.length === 1, 5000, "A's request");
    const wb = b.work({ concurrency: 1, pollMs: 20, reapEveryMs: 20 }); // reaps as soon as a lease ends
    try {
      await until(async () => (await a.counts()).delivered === 1 || server.seen.length > 1, 10_000, "the settle");
      await new Promise((r) => setTimeout(r, 500));
      expect(failures).toBe(2);
      expect(server.count("1/x")).toBe(1);
      expect(await a.counts()).toMatchObject({ delivered: 1, queued: 0, inFlight: 0 });
    } finally {
      await wa.stop();
      await wb.stop();
      await server.close();
    }
  });

  it("rows of a claim whose reply was lost (committed, then the connection dropped) are requeued and sent, not held as unknown", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer(() => ({ status: 200 }));
    const flaky = losingOneReply(pool, (text, rows) => text.includes("FOR UPDATE SKIP LOCKED") && rows > 0);
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), {
      pool: flaky,
      table,
      leaseMs: 500 + LEASE_MARGIN_MS,
      rateOptions: { timeoutMs: 500 },
    });
    await outbox.enqueue(1, "x", { flag: true });
    const worker = outbox.work({ pollMs: 20, reapEveryMs: 50 });
    try {
      // Well before the lease ends (5.5 s): the worker requeued the rows it never started, and sent them.
      await until(async () => (await outbox.counts()).delivered === 1, 3000, "delivery after the lost claim reply");
      expect(flaky.lost).toBe(1);
      expect(server.count("1/x")).toBe(1);
      const { rows } = await pool.query(`SELECT attempts FROM "${table}"`);
      expect(rows[0].attempts).toBe(1); // the lost claim did not count as an attempt
    } finally {
      await worker.stop();
      await server.close();
    }
  });
});
