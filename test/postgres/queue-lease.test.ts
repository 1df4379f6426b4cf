// Expired leases (a crashed or hung worker): held as unknown by default, resent with onExpiredLease "resend", and a
// late settle never overwrites a row that was reaped meanwhile.
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue } from "../../src/postgres/index.ts";
import { expireLease, migrated, newPool, reapedMidRequest, startScriptedServer, until } from "./queue-setup.ts";

const pool = newPool();
afterAll(() => pool.end());

/** What a worker that died mid-request leaves: the row in flight under its name, the lease already over. */
async function claimAsDeadWorker(table: string, id: string): Promise<void> {
  await pool.query(
    `UPDATE "${table}" SET status = 'in_flight', worker = 'dead-worker-1', attempts = 1, lease_until = now() - interval '1 second' WHERE id = $1`,
    [id],
  );
}

describe("expired leases", () => {
  it("holds a dead worker's item as unknown, naming the worker, and never sends it (default)", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer(() => ({ status: 200 }));
    const held: string[] = [];
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), {
      pool,
      table,
      onError: (item, e) => held.push(`${item.completionId}: ${e.name}`),
    });
    const { id } = await outbox.enqueue(1, "orphan", { flag: true });
    await claimAsDeadWorker(table, id);
    const worker = outbox.work({ pollMs: 20, reapEveryMs: 50 }); // its reaper finds the row
    try {
      await until(async () => (await outbox.counts()).unknown === 1, 5000, "the reaper");
      await new Promise((r) => setTimeout(r, 300));
      expect(server.seen).toEqual([]);
      expect(held).toEqual(["orphan: LeaseExpired"]);
      const [f] = await outbox.failed();
      expect(f).toMatchObject({ id, completionId: "orphan", deliveryUnknown: true, error: { name: "LeaseExpired", deliveryUnknown: true } });
      expect(f?.error.message).toContain("dead-worker-1");
      expect(await outbox.reapExpired()).toBe(0); // already settled
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  it('resends a dead worker\'s item with onExpiredLease: "resend", once', async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer(() => ({ status: 200 }));
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), { pool, table, onExpiredLease: "resend" });
    const { id } = await outbox.enqueue(1, "orphan", { flag: true });
    await claimAsDeadWorker(table, id);
    expect(await outbox.reapExpired()).toBe(1);
    expect(await outbox.counts()).toMatchObject({ queued: 1, inFlight: 0 });
    const worker = outbox.work({ pollMs: 20 });
    try {
      await outbox.drained({ pollMs: 20 });
      expect(server.count("1/orphan")).toBe(1);
      expect(await outbox.counts()).toMatchObject({ delivered: 1, unknown: 0 });
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  it("a resent item that then fails is held as unknown: its first attempt may have been logged", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer(() => ({ status: 400 }));
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), { pool, table, onExpiredLease: "resend" });
    const { id } = await outbox.enqueue(1, "orphan", { flag: true });
    await claimAsDeadWorker(table, id);
    await outbox.reapExpired();
    const worker = outbox.work({ pollMs: 20 });
    try {
      await outbox.drained({ pollMs: 20 });
      expect(await outbox.counts()).toMatchObject({ failed: 0, unknown: 1 });
      expect((await outbox.failed())[0]).toMatchObject({ deliveryUnknown: true, error: { status: 400, deliveryUnknown: true } });
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  it("a worker whose lease was reaped while its request ran does not overwrite the row when a failure comes (a late 200: queue-hooks)", async () => {
    // As if the lease had run out (a paused VM, a clock jump): another process reaps it.
    const { table, id, worker, server } = await reapedMidRequest(pool, { status: 400, delayMs: 600 });
    try {
      await worker.stop(); // the answer arrives, the worker settles
      const { rows } = await pool.query(`SELECT status, delivered_at FROM "${table}" WHERE id = $1`, [id]);
      expect(rows).toEqual([{ status: "unknown", delivered_at: null }]);
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  it("a settle that fails is retried; one that keeps failing leaves the row in flight, held as unknown when its lease ends", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer(() => ({ status: 200 }));
    let failSettles = 2; // the first two "delivered" UPDATEs fail, as on a dropped connection
    const dbErrors: unknown[] = [];
    const flaky = {
      query: (text: string, values?: unknown[]) => {
        if (text.includes("status = 'delivered', delivered_at") && failSettles-- > 0)
          return Promise.reject(Object.assign(new Error("Connection terminated unexpectedly"), { code: "57P01" }));
        return pool.query(text, values);
      },
      connect: () => pool.connect(),
    };
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), {
      pool: flaky,
      table,
      onDatabaseError: (e) => dbErrors.push(e),
    });
    await outbox.enqueue(1, "retried-settle", { flag: true });
    let worker = outbox.work({ pollMs: 20 });
    await outbox.drained({ pollMs: 20 });
    await worker.stop();
    expect(dbErrors).toHaveLength(2);
    expect(await outbox.counts()).toMatchObject({ delivered: 1, inFlight: 0 });

    failSettles = 1_000; // now every settle fails
    const { id } = await outbox.enqueue(1, "lost-settle", { flag: true });
    worker = outbox.work({ pollMs: 20, reapEveryMs: 60_000 });
    await until(() => server.count("1/lost-settle") === 1, 5000, "the request");
    await worker.stop(); // gives up after its retries: the row stays in flight under its lease
    expect(await outbox.counts()).toMatchObject({ delivered: 1, inFlight: 1 });
    await expireLease(pool, table, id);
    expect(await outbox.reapExpired()).toBe(1);
    expect(await outbox.failed()).toMatchObject([{ id, deliveryUnknown: true, error: { name: "LeaseExpired" } }]);
    expect(server.count("1/lost-settle")).toBe(1);
    await server.close();
  });

  it("retryUnknownDelivery: true retries a 500, and the item is delivered", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer((_key, nth) => ({ status: nth === 0 ? 500 : 200 }));
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), { pool, table, retryUnknownDelivery: true });
    await outbox.enqueue(1, "again", { flag: true });
    const worker = outbox.work({ pollMs: 20 });
    try {
      await outbox.drained({ pollMs: 20 });
      expect(server.count("1/again")).toBe(2);
      expect(await outbox.counts()).toMatchObject({ delivered: 1, unknown: 0 });
    } finally {
      await worker.stop();
      await server.close();
    }
  });
});
