// Workers sharing a small pool: each LISTEN holds a connection, so the workers together must leave one for claims
// and settles (a lone worker on a pool of one already polls instead).
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue } from "../../src/postgres/index.ts";
import { migrated, newPool, startScriptedServer, until } from "./queue-setup.ts";

const pool = newPool();
afterAll(() => pool.end());

describe("a pool shared by several workers", () => {
  it("two workers on a pool of two connections deliver, and stop", { timeout: 20_000 }, async () => {
    const small = newPool(2);
    const table = await migrated(pool);
    const server = await startScriptedServer(() => ({ status: 200 }));
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), { pool: small, table });
    const a = outbox.work({ pollMs: 50 });
    const b = outbox.work({ pollMs: 50 });
    try {
      await createPostgresQueue(createParadigmClient({ apiKey: "k" }), { pool, table }).enqueue(1, "shared", { flag: true });
      await until(async () => (await pool.query(`SELECT count(*)::int AS n FROM "${table}" WHERE status = 'delivered'`)).rows[0].n === 1, 5000, "delivery");
      expect(server.count("1/shared")).toBe(1);
    } finally {
      const stopped = await Promise.race([
        Promise.all([a.stop(), b.stop()]).then(() => "stopped"),
        new Promise((r) => setTimeout(() => r("stop() hangs"), 3000)),
      ]);
      expect(stopped).toBe("stopped");
      await server.close();
      if (stopped === "stopped") await small.end();
    }
  });
});
