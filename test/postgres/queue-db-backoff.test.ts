// While the database fails, a worker backs off (0.1 s, 0.2 s, 0.4 s … 5 s): a NOTIFY (an enqueue elsewhere) must not
// cut that wait short, or an outage with producers still committing turns into a retry loop.
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue, type PostgresPool } from "../../src/postgres/index.ts";
import { migrated, newPool } from "./queue-setup.ts";

const pool = newPool();
afterAll(() => pool.end());

describe("a database error's backoff", () => {
  it("is not cut short by NOTIFYs: about 4 claim attempts in a 1.2 s outage, not one per enqueue", async () => {
    const table = await migrated(pool);
    let claims = 0;
    // Every claim fails as if the connection dropped; LISTEN (its own connection) and everything else work.
    const failingClaims: PostgresPool = {
      query: async (text, values) => {
        if (text.includes("FOR UPDATE SKIP LOCKED")) {
          claims++;
          throw new Error("Connection terminated unexpectedly");
        }
        return pool.query(text, values);
      },
      connect: () => pool.connect() as never,
    };
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" }), {
      pool: failingClaims,
      table,
      onDatabaseError: () => undefined,
    });
    const producer = createPostgresQueue(createParadigmClient({ apiKey: "k" }), { pool, table });
    const worker = outbox.work({ pollMs: 1000 });
    try {
      const end = Date.now() + 1200;
      while (Date.now() < end) {
        await producer.enqueue(1, "n", { flag: true }); // each commit NOTIFYs
        await new Promise((r) => setTimeout(r, 20));
      }
      // 0 + 0.1 + 0.2 + 0.4 + 0.8 s: 5 attempts fit in 1.2 s (6 with timer slack).
      expect(claims).toBeLessThanOrEqual(6);
    } finally {
      await worker.stop();
    }
  });
});
