// drained() also waits for the onError calls of the leases this queue's own worker reaped: the table shows the row
// held as unknown before the reaper has its reply.
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue, type PostgresPool } from "../../src/postgres/index.ts";
import { migrated, newPool, reapedMidRequest } from "./queue-setup.ts";

const pool = newPool();
afterAll(() => pool.end());

describe("drained() and the reaper", () => {
  it("waits for the onError call of a lease this queue's own worker reaped", async () => {
    const table = await migrated(pool);
    // The reap commits, then its reply comes 300 ms late: the table already shows the row held as unknown.
    const slowReaps: PostgresPool = {
      query: async (text, values) => {
        const r = await pool.query(text, values);
        if (text.includes("SET status = 'unknown'")) await new Promise((w) => setTimeout(w, 300));
        return r;
      },
      connect: () => pool.connect() as never,
    };
    const held: string[] = [];
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" }), {
      pool: slowReaps,
      table,
      onError: (i, e) => held.push(`${i.completionId} ${e.name}`),
    });
    const { id } = await outbox.enqueue(1, "orphan", { flag: true });
    // What a worker that died mid-request leaves: in flight under its name, the lease already over.
    await pool.query(`UPDATE "${table}" SET status = 'in_flight', worker = 'dead', attempts = 1, lease_until = now() - interval '1 second' WHERE id = $1`, [
      id,
    ]);
    const worker = outbox.work({ pollMs: 20 }); // reaps when it starts
    try {
      await outbox.drained({ pollMs: 10 });
      expect(held).toEqual(["orphan LeaseExpired"]);
    } finally {
      await worker.stop();
    }
  });
});

describe("drained() and its signal", () => {
  it("rejects when the signal aborts while it waits for a request whose row was reaped meanwhile", async () => {
    // Its lease ends while the request runs; the reaper holds it as unknown: nothing is queued or in flight.
    const { outbox, worker, server } = await reapedMidRequest(pool, { status: 200, delayMs: 6000 });
    try {
      const started = Date.now();
      const outcome = await outbox.drained({ signal: AbortSignal.timeout(300), pollMs: 10 }).then(
        () => "resolved",
        (e: Error) => e.name,
      );
      // Without the signal, it would wait out the 6 s request; 3 s allows a loaded machine.
      expect({ outcome, fast: Date.now() - started < 3000 }).toEqual({ outcome: "TimeoutError", fast: true });
    } finally {
      await worker.stop();
      await server.close();
    }
  });
});
