// A worker's life cycle on a pool: the LISTEN connection goes back to the pool as it was taken.
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue, type PostgresPool } from "../../src/postgres/index.ts";
import { migrated, newPool, startScriptedServer, until } from "./queue-setup.ts";

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

  it("waits out pg's query_timeout (Query read timeout) and a statement_timeout (57014) instead of dying", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer(() => ({ status: 200 }));
    const errors = [new Error("Query read timeout"), Object.assign(new Error("canceling statement due to statement timeout"), { code: "57014" })];
    const seen: unknown[] = [];
    const slow: PostgresPool = {
      query: (text, values) => {
        const e = text.includes("FOR UPDATE SKIP LOCKED") ? errors.shift() : undefined;
        return e ? Promise.reject(e) : pool.query(text, values);
      },
      connect: () => pool.connect() as never,
    };
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), {
      pool: slow,
      table,
      onDatabaseError: (e) => seen.push((e as Error).message),
    });
    await outbox.enqueue(1, "x", { flag: true });
    const worker = outbox.work({ pollMs: 20 });
    let died: unknown;
    worker.done.catch((e) => {
      died = e;
    });
    try {
      await until(async () => died !== undefined || (await outbox.counts()).delivered === 1, 5000, "delivery");
      expect(died).toBeUndefined();
      expect(seen).toEqual(["Query read timeout", "canceling statement due to statement timeout"]);
    } finally {
      await worker.stop().catch(() => undefined);
      await server.close();
    }
  });

  it("stop() does not wait for a claim the database has not answered; rows that claim took when it answers late are requeued", async () => {
    const table = await migrated(pool);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let claims = 0;
    let lateRows = -1;
    // The 2nd claim gets no answer until `release()` (an unresponsive database); then it runs, and takes the row.
    const stalling: PostgresPool = {
      query: async (text, values) => {
        if (text.includes("FOR UPDATE SKIP LOCKED") && ++claims === 2) {
          await held;
          const late = await pool.query(text, values);
          lateRows = late.rows.length;
          return late;
        }
        return pool.query(text, values);
      },
      connect: () => pool.connect() as never,
    };
    const outbox = createPostgresQueue(client, { pool: stalling, table });
    const worker = outbox.work({ pollMs: 20 });
    await until(() => claims === 2, 5000, "the stalled claim");
    await outbox.enqueue(1, "late", { flag: true });
    const stopped = await Promise.race([worker.stop().then(() => "stopped"), new Promise((r) => setTimeout(() => r("still waiting"), 1000))]);
    release();
    expect(stopped).toBe("stopped");
    // The late answer claimed the row; the stopped worker gives it back, never starting it.
    await until(() => lateRows >= 0, 5000, "the late answer");
    expect(lateRows).toBe(1);
    await until(async () => (await outbox.counts()).inFlight === 0, 5000, "the row requeued");
    expect(await outbox.counts()).toMatchObject({ queued: 1, inFlight: 0 });
    const { rows } = await pool.query(`SELECT attempts FROM "${table}"`);
    expect(rows[0].attempts).toBe(0); // never started
  });
});
