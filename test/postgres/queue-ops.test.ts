// The operations any process may run on the outbox: failed() oldest first, drained() on the partial indexes.
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue } from "../../src/postgres/index.ts";
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
