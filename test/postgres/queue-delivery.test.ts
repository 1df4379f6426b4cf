// paradigm-client/postgres against a real PostgreSQL: the transactional enqueue, exactly-once delivery through safe
// retries, unknown deliveries held, retryFailed, and the queue-wide pause shared by workers of different queues.
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue, type PostgresFeedback } from "../../src/postgres/index.ts";
import { startCountingServer } from "../fixtures/counting-server.ts";
import { migrated, newPool, startScriptedServer, until } from "./queue-setup.ts";

const pool = newPool();
afterAll(() => pool.end());

describe("enqueue in the caller's transaction", () => {
  it("sends nothing for an item enqueued in a transaction that rolls back", async () => {
    const table = await migrated(pool);
    const server = await startCountingServer();
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), { pool, table });
    const worker = outbox.work({ pollMs: 50 });
    try {
      const db = await pool.connect();
      try {
        await db.query("BEGIN");
        const item = await outbox.enqueue(3, "rolled-back", { flag: true }, { db, ref: "r1" });
        expect(item).toEqual({ id: expect.stringMatching(/^\d+$/), ref: "r1" });
        await db.query("ROLLBACK");
      } finally {
        db.release();
      }
      await new Promise((r) => setTimeout(r, 400)); // several polls
      expect(server.accepted).toBe(0);
      expect(await outbox.counts()).toEqual({ queued: 0, inFlight: 0, delivered: 0, failed: 0, unknown: 0 });
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  it("delivers an item committed with the app's own row exactly once, woken by NOTIFY well before pollMs", async () => {
    const table = await migrated(pool);
    const server = await startCountingServer();
    const delivered: PostgresFeedback[] = [];
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), {
      pool,
      table,
      onDelivered: (item) => delivered.push(item),
    });
    const worker = outbox.work({ pollMs: 30_000 }); // only a NOTIFY can wake it in time
    try {
      await new Promise((r) => setTimeout(r, 300)); // the worker is idle, listening
      const db = await pool.connect();
      try {
        await db.query("BEGIN");
        await db.query("CREATE TEMP TABLE answers (id int) ON COMMIT DROP");
        await db.query("INSERT INTO answers VALUES (42)");
        await outbox.enqueue(3, "committed", { flag: true, tag: "t" }, { db, ref: 42 });
        await db.query("COMMIT");
      } finally {
        db.release();
      }
      await until(() => server.accepted === 1, 5000, "the delivery");
      await outbox.drained({ pollMs: 20 });
      await new Promise((r) => setTimeout(r, 200));
      expect(server.counts.get("3/committed")).toBe(1);
      expect(server.bodies.get("3/committed")).toEqual({ flag: true, tag: "t" });
      expect(delivered.map((d) => [d.feedbackTypeId, d.completionId, d.ref, d.attempts])).toEqual([[3, "committed", 42, 1]]);
      expect(await outbox.counts()).toEqual({ queued: 0, inFlight: 0, delivered: 1, failed: 0, unknown: 0 });
    } finally {
      await worker.stop();
      await server.close();
    }
  });
  it("an idle worker with nothing queued queries the table about once per pollMs, not in a loop", async () => {
    const table = await migrated(pool);
    let claims = 0;
    const counting = {
      query: (text: string, values?: unknown[]) => {
        if (text.includes("FOR UPDATE SKIP LOCKED")) claims++;
        return pool.query(text, values);
      },
      connect: () => pool.connect(),
    };
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" }), { pool: counting, table });
    const worker = outbox.work({ pollMs: 250 });
    await new Promise((r) => setTimeout(r, 1000));
    await worker.stop();
    expect(claims).toBeGreaterThanOrEqual(2);
    expect(claims).toBeLessThanOrEqual(6);
  });

  it("a NOTIFY that arrives while the worker is between queries (not yet waiting) is not lost", async () => {
    const table = await migrated(pool);
    const server = await startCountingServer();
    let enqueueNow: (() => void) | undefined;
    const gate = new Promise<void>((r) => {
      enqueueNow = r;
    });
    let held = false;
    // The pool as the worker sees it: its first "next due" answer is held back 400 ms, while an item is committed.
    const slowPool = {
      query: async (text: string, values?: unknown[]) => {
        const r = await pool.query(text, values);
        if (text.includes("pause_ms") && !held) {
          held = true;
          enqueueNow?.();
          await new Promise((res) => setTimeout(res, 400));
        }
        return r;
      },
      connect: () => pool.connect(),
    };
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), { pool: slowPool, table });
    const worker = outbox.work({ pollMs: 60_000 });
    try {
      await gate;
      await outbox.enqueue(1, "between", { flag: true }); // committed: its NOTIFY arrives before the worker waits
      await until(() => server.accepted === 1, 3000, "the delivery (a lost NOTIFY would wait for pollMs, 60 s)");
    } finally {
      await worker.stop();
      await server.close();
    }
  });
});

describe("delivery semantics", () => {
  it("retries 429 and 503 with Retry-After and delivers every item exactly once", async () => {
    const table = await migrated(pool);
    const server = await startCountingServer({ refuse: 0.4, retryAfterMs: 10, seed: 3 });
    let retries = 0;
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), {
      pool,
      table,
      onRetry: () => {
        retries++;
      },
    });
    for (let i = 0; i < 40; i++) await outbox.enqueue(1, `c${i}`, { value: i });
    const worker = outbox.work({ concurrency: 4, pollMs: 50 });
    try {
      await outbox.drained({ pollMs: 20 });
      expect(server.refused[429]).toBeGreaterThan(0);
      expect(server.refused[503]).toBeGreaterThan(0);
      expect(retries).toBe(server.refused[429] + server.refused[503]);
      expect(server.accepted).toBe(40);
      expect([...server.counts.values()].every((n) => n === 1)).toBe(true);
      expect(await outbox.counts()).toEqual({ queued: 0, inFlight: 0, delivered: 40, failed: 0, unknown: 0 });
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  it("holds a 500 as unknown, never resends it, and lists it in failed() with deliveryUnknown", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer((key) => ({ status: key === "1/boom" ? 500 : 200 }));
    const errors: string[] = [];
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), {
      pool,
      table,
      onError: (item, e) => errors.push(`${item.completionId} ${e.name} ${e.status}`),
    });
    await outbox.enqueue(1, "boom", { flag: false }, { ref: 7 });
    await outbox.enqueue(1, "fine", { flag: true });
    const worker = outbox.work({ pollMs: 20 });
    try {
      await outbox.drained({ pollMs: 20 });
      await new Promise((r) => setTimeout(r, 300)); // more polls: nothing is sent again
      expect(server.count("1/boom")).toBe(1);
      expect(errors).toEqual(["boom InternalServerError 500"]);
      expect(await outbox.counts()).toEqual({ queued: 0, inFlight: 0, delivered: 1, failed: 0, unknown: 1 });
      const [held, ...rest] = await outbox.failed();
      expect(rest).toEqual([]);
      expect(held).toMatchObject({ feedbackTypeId: 1, completionId: "boom", ref: 7, feedback: { flag: false }, deliveryUnknown: true, attempts: 1 });
      expect(held?.error).toMatchObject({ name: "InternalServerError", status: 500, deliveryUnknown: true });
      // Unknown items are requeued only when asked.
      expect(await outbox.retryFailed()).toBe(0);
      expect(server.count("1/boom")).toBe(1);
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  it("retryFailed() requeues held items (the unknown ones only with includeUnknown), each delivered once more", async () => {
    const table = await migrated(pool);
    // First answers: 400 for "refused", 502 for "gateway"; later ones 200.
    const server = await startScriptedServer((key, nth) => ({ status: nth > 0 ? 200 : key === "2/refused" ? 400 : key === "2/gateway" ? 502 : 200 }));
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), { pool, table });
    const refused = await outbox.enqueue(2, "refused", { flag: true });
    await outbox.enqueue(2, "gateway", { flag: true });
    const worker = outbox.work({ pollMs: 20 });
    try {
      await outbox.drained({ pollMs: 20 });
      expect(await outbox.counts()).toMatchObject({ failed: 1, unknown: 1, delivered: 0 });
      expect((await outbox.failed()).map((f) => [f.completionId, f.deliveryUnknown])).toEqual([
        ["refused", false],
        ["gateway", true],
      ]);
      expect(await outbox.retryFailed({ ids: [refused.id] })).toBe(1);
      await outbox.drained({ pollMs: 20 });
      expect(server.count("2/refused")).toBe(2);
      expect(await outbox.counts()).toMatchObject({ failed: 0, unknown: 1, delivered: 1 });
      expect(await outbox.retryFailed({ includeUnknown: true })).toBe(1);
      await outbox.drained({ pollMs: 20 });
      expect(server.count("2/gateway")).toBe(2);
      expect(await outbox.counts()).toEqual({ queued: 0, inFlight: 0, delivered: 2, failed: 0, unknown: 0 });
      await expect(outbox.retryFailed({ ids: ["x"] })).rejects.toMatchObject({ name: "ParadigmValidationError" });
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  it("holds an item as failed after maxRetries safe retries", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer(() => ({ status: 429, headers: { "retry-after-ms": "1" } }));
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), { pool, table, maxRetries: 2 });
    await outbox.enqueue(1, "limited", { flag: true });
    const worker = outbox.work({ pollMs: 20 });
    try {
      await outbox.drained({ pollMs: 20 });
      expect(server.count("1/limited")).toBe(3);
      const [f] = await outbox.failed();
      expect(f).toMatchObject({ deliveryUnknown: false, attempts: 3, error: { name: "RateLimitError", status: 429 } });
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  it("a Retry-After received by one worker pauses the claims of a worker of another queue object on the same table", async () => {
    const table = await migrated(pool);
    const PAUSE = 1500;
    let refusedAt = 0;
    const server = await startScriptedServer((key, nth) => {
      if (key === "1/first" && nth === 0) {
        refusedAt = Date.now();
        return { status: 429, headers: { "retry-after-ms": String(PAUSE) } };
      }
      return { status: 200 };
    });
    const client = createParadigmClient({ apiKey: "k", baseUrl: server.url });
    let retried = false;
    const a = createPostgresQueue(client, {
      pool,
      table,
      onRetry: () => {
        retried = true;
      },
    });
    const byB: string[] = [];
    const b = createPostgresQueue(client, { pool, table, onDelivered: (item) => byB.push(String(item.completionId)) });
    await a.enqueue(1, "first", { flag: true });
    const workerA = a.work({ pollMs: 20 });
    await until(() => retried, 5000, "worker A's retry");
    await workerA.stop(); // A is gone: only B could send now
    const workerB = b.work({ pollMs: 20 });
    try {
      for (const c of ["x", "y", "z"]) await b.enqueue(1, c, { flag: true });
      await b.drained({ pollMs: 20 });
      const after = server.seen.filter((s) => s.at > refusedAt);
      expect(after.map((s) => s.key).sort()).toEqual(["1/first", "1/x", "1/y", "1/z"]);
      // Not one request during the pause (a few ms of timer slack allowed).
      expect(Math.min(...after.map((s) => s.at - refusedAt))).toBeGreaterThanOrEqual(PAUSE - 50);
      expect(byB.sort()).toEqual(["first", "x", "y", "z"]);
    } finally {
      await workerB.stop();
      await server.close();
    }
  });

  it("drained() resolves only after this queue's own workers ran the hooks of the rows they settled", async () => {
    const table = await migrated(pool);
    const server = await startCountingServer();
    // The settle commits, then its reply comes 300 ms late: drained() sees the row delivered before the worker's
    // hook could run, as happens now and then when the poll's reply overtakes the settle's.
    const slowSettles = {
      query: async (text: string, values?: unknown[]) => {
        const r = await pool.query(text, values);
        if (text.includes("SET status = 'delivered'")) await new Promise((w) => setTimeout(w, 300));
        return r;
      },
      connect: () => pool.connect(),
    };
    const delivered: string[] = [];
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), {
      pool: slowSettles,
      table,
      onDelivered: (item) => delivered.push(String(item.completionId)),
    });
    const worker = outbox.work({ pollMs: 20 });
    try {
      for (const c of ["a", "b", "c"]) await outbox.enqueue(1, c, { flag: true });
      await outbox.drained({ pollMs: 10 });
      expect(delivered.sort()).toEqual(["a", "b", "c"]);
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  it("a pool of one connection still delivers: the worker polls rather than hold the only connection for LISTEN", async () => {
    const single = newPool(1);
    const table = await migrated(pool);
    const server = await startCountingServer();
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), { pool: single, table });
    const worker = outbox.work({ pollMs: 50 });
    try {
      await outbox.enqueue(1, "one", { flag: true });
      await until(() => server.accepted === 1, 5000, "the delivery");
    } finally {
      await worker.stop();
      await single.end();
      await server.close();
    }
  });

  it("stop() waits for the requests in flight and records their outcomes", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer(() => ({ status: 200, delayMs: 300 }));
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), { pool, table });
    for (let i = 0; i < 3; i++) await outbox.enqueue(1, `s${i}`, { flag: true });
    const worker = outbox.work({ concurrency: 3, pollMs: 20 });
    await until(() => server.seen.length === 3, 5000, "three requests in flight");
    await worker.stop();
    expect(await outbox.counts()).toEqual({ queued: 0, inFlight: 0, delivered: 3, failed: 0, unknown: 0 });
    await server.close();
  });
});
