// Hooks report what the table records, once: a settle whose reply was lost after it committed still reports its
// outcome (its retry finds the row already settled by this claim).
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue } from "../../src/postgres/index.ts";
import { losingOneReply, migrated, newPool, startScriptedServer, until } from "./queue-setup.ts";

const pool = newPool();
afterAll(() => pool.end());

describe("a settle whose reply was lost after it committed", () => {
  it("a delivered item still gets its one onDelivered call", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer(() => ({ status: 200 }));
    const flaky = losingOneReply(pool, (text) => text.includes("SET status = 'delivered'"));
    const events: string[] = [];
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), {
      pool: flaky,
      table,
      onDelivered: (i) => events.push(`delivered ${i.completionId}`),
      onError: (i, e) => events.push(`held ${i.completionId} ${e.name}`),
    });
    await outbox.enqueue(1, "lost-reply", { flag: true });
    const worker = outbox.work({ pollMs: 20 });
    try {
      await outbox.drained({ pollMs: 10 });
      expect(flaky.lost).toBe(1);
      expect(await outbox.counts()).toMatchObject({ delivered: 1, inFlight: 0 });
      expect(events).toEqual(["delivered lost-reply"]);
      expect(server.count("1/lost-reply")).toBe(1);
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  it("an item held as failed still gets its one onError call", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer(() => ({ status: 400 }));
    const flaky = losingOneReply(pool, (text) => text.includes("SET status = $3"));
    const events: string[] = [];
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), {
      pool: flaky,
      table,
      onDelivered: (i) => events.push(`delivered ${i.completionId}`),
      onError: (i, e) => events.push(`held ${i.completionId} ${e.name} ${e.status}`),
    });
    await outbox.enqueue(1, "refused", { flag: true });
    const worker = outbox.work({ pollMs: 20 });
    try {
      await outbox.drained({ pollMs: 10 });
      expect(flaky.lost).toBe(1);
      expect(await outbox.counts()).toMatchObject({ failed: 1, inFlight: 0 });
      expect(events).toEqual(["held refused BadRequestError 400"]);
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  it("a retried item still gets its one onRetry call, and is delivered once", async () => {
    const table = await migrated(pool);
    // Retry-After 1 s: the row is not claimed again before the settle's retry (0.2 s later) runs.
    const server = await startScriptedServer((_k, nth) => (nth === 0 ? { status: 429, headers: { "retry-after": "1" } } : { status: 200 }));
    const flaky = losingOneReply(pool, (text) => text.includes("SET status = 'queued', available_at"));
    const events: string[] = [];
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), {
      pool: flaky,
      table,
      onDelivered: (i) => events.push(`delivered ${i.completionId}`),
      onRetry: (i, e) => events.push(`retry ${i.completionId} ${e.name}`),
    });
    await outbox.enqueue(1, "again", { flag: true });
    const worker = outbox.work({ pollMs: 20 });
    try {
      await until(async () => (await outbox.counts()).delivered === 1, 10_000, "delivery");
      await outbox.drained({ pollMs: 10 });
      expect(flaky.lost).toBe(1);
      expect(events).toEqual(["retry again RateLimitError", "delivered again"]);
      expect(server.count("1/again")).toBe(2);
    } finally {
      await worker.stop();
      await server.close();
    }
  });
});
