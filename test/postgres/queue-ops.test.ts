// The operations any process may run on the outbox: failed() oldest first, drained() on the partial indexes.
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue } from "../../src/postgres/index.ts";
import { statements, tableNames } from "../../src/postgres/sql.ts";
import { migrated, newPool } from "./queue-setup.ts";

const pool = newPool();
afterAll(() => pool.end());
const client = createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" });

describe("failed()", () => {
  it("lists held items oldest first by id, as numbers (…9, 10, 11), also with a limit", async () => {
    const table = await migrated(pool);
    await pool.query(
      `INSERT INTO "${table}" (path, feedback, status, error)
       SELECT jsonb_build_object('feedback_type_id', 1, 'completion_id', 'c' || i), '{"flag": true}', 'failed', '{"name": "ParadigmAPIError", "message": "400", "deliveryUnknown": false}'
       FROM generate_series(1, 12) i`,
    );
    const outbox = createPostgresQueue(client, { pool, table });
    const all = await outbox.failed();
    expect(all.map((f) => f.completionId)).toEqual(Array.from({ length: 12 }, (_, i) => `c${i + 1}`));
    expect((await outbox.failed({ limit: 3 })).map((f) => f.completionId)).toEqual(["c1", "c2", "c3"]);
  });
});

describe("drained()", () => {
  it("checks for queued and in-flight rows on their partial indexes, not with a scan of every delivered row", async () => {
    const table = await migrated(pool);
    await pool.query(
      `INSERT INTO "${table}" (path, feedback, status, delivered_at)
       SELECT jsonb_build_object('feedback_type_id', 1, 'completion_id', 'c' || i), '{"flag": true}', 'delivered', now() FROM generate_series(1, 20000) i`,
    );
    await pool.query(`ANALYZE "${table}"`);
    const { rows } = await pool.query(`EXPLAIN ${statements(tableNames(table)).busy}`);
    const plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
    expect(plan).not.toMatch(/Seq Scan/);
    expect(plan).toMatch(new RegExp(`Index.* using "?${table}_claim`));
    expect(plan).toMatch(new RegExp(`Index.* using "?${table}_lease`));
    const outbox = createPostgresQueue(client, { pool, table });
    await outbox.drained(); // nothing queued or in flight
    await outbox.enqueue(1, "one", { flag: true });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("still busy")), 100);
    await expect(outbox.drained({ signal: ac.signal, pollMs: 10 })).rejects.toThrow("still busy");
  });
});
