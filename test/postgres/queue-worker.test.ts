// A worker's life cycle on a pool: the LISTEN connection goes back to the pool as it was taken.
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue } from "../../src/postgres/index.ts";
import { migrated, newPool } from "./queue-setup.ts";

const pool = newPool();
afterAll(() => pool.end());
const client = createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" });

describe("worker life cycle", () => {
  it("removes its LISTEN listeners before releasing the connection: 12 start/stops on a 2-connection pool leave none", async () => {
    const small = newPool(2);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    try {
      const table = await migrated(small);
      const outbox = createPostgresQueue(client, { pool: small, table });
      for (let i = 0; i < 12; i++) {
        const w = outbox.work({ pollMs: 50 });
        await new Promise((r) => setTimeout(r, 30));
        await w.stop();
      }
      const both = [await small.connect(), await small.connect()];
      const notification = both.map((c) => c.listenerCount("notification"));
      const error = both.map((c) => c.listenerCount("error"));
      for (const c of both) c.release();
      expect(notification).toEqual([0, 0]);
      expect(error).toEqual([0, 0]);
      expect(warnings).not.toContain("MaxListenersExceededWarning");
    } finally {
      process.off("warning", onWarning);
      await small.end();
    }
  });
});
