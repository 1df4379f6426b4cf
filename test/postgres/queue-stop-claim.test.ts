// The README's shutdown, stop() then pool.end(), while a claim waits in the database: the rows that claim takes when
// it gets through are given back to the queue, not left in flight (to be held as unknown, though never sent).
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue } from "../../src/postgres/index.ts";
import { migrated, newPool, until } from "./queue-setup.ts";

const admin = newPool();
afterAll(() => admin.end());

describe("stop() then pool.end() during a claim", () => {
  it("a claim blocked on a lock, answered after pool.end() began, leaves its row queued and unattempted", async () => {
    const table = await migrated(admin);
    const pool = newPool(4);
    pool.on("error", () => undefined);
    const errors: string[] = [];
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" }), {
      pool,
      table,
      onDatabaseError: (e) => errors.push((e as Error).message),
    });
    const worker = outbox.work({ pollMs: 1000 });
    await new Promise((r) => setTimeout(r, 200)); // idle, waiting pollMs (no NOTIFY: the row below is inserted directly)
    await admin.query(`INSERT INTO "${table}" (path, feedback) VALUES ('{"feedback_type_id":1,"completion_id":"x"}', '{"flag":true}')`);
    // The claim reads the pause table: while another transaction holds it, the next claim waits in the database.
    const locker = await admin.connect();
    try {
      await locker.query("BEGIN");
      await locker.query(`LOCK TABLE "${table}_pause" IN ACCESS EXCLUSIVE MODE`);
      const blocked = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%SKIP LOCKED%${table}%'`;
      await until(async () => (await admin.query(blocked)).rows[0].n > 0, 5000, "a claim waiting on the lock");
      await worker.stop();
      const ended = pool.end();
      await locker.query("COMMIT"); // the claim gets through and takes the row
      await ended;
    } finally {
      locker.release();
    }
    const { rows } = await admin.query(`SELECT status, attempts FROM "${table}"`);
    expect(rows[0]).toEqual({ status: "queued", attempts: 0 });
    expect(errors).toEqual([]);
  });
});
