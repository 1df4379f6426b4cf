// Exactly-once claims under concurrency, in one process: three queue objects on three pools, each with a worker of
// concurrency 8, while two of them run retryFailed() in a loop. Every item gets exactly one 200 and one onDelivered.
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue } from "../../src/postgres/index.ts";
import { migrated, newPool, startScriptedServer, until } from "./queue-setup.ts";

const pools = [newPool(6), newPool(6), newPool(6)];
afterAll(() => Promise.all(pools.map((p) => p.end())));

describe("claims under concurrency", () => {
  it("300 items, 3 workers, 429s, 400s requeued by concurrent retryFailed(): each delivered once, each onDelivered once", { timeout: 60_000 }, async () => {
    const [p0] = pools as [ReturnType<typeof newPool>];
    const table = await migrated(p0);
    const N = 300;
    // Item i: its first answer is 429 (Retry-After 0) when i % 7 == 0, 400 when i % 10 == 0, else 200; then 200.
    const oks = new Map<string, number>();
    const server = await startScriptedServer((key, nth) => {
      const i = Number(key.split("/")[1]);
      const a = nth > 0 ? 200 : i % 7 === 0 ? 429 : i % 10 === 0 ? 400 : 200;
      if (a === 200) oks.set(key, (oks.get(key) ?? 0) + 1);
      return a === 429 ? { status: 429, headers: { "retry-after": "0" } } : { status: a, delayMs: i % 3 };
    });
    const delivered = new Map<string, number>();
    const client = createParadigmClient({ apiKey: "k", baseUrl: server.url });
    const queues = pools.map((pool) =>
      createPostgresQueue(client, { pool, table, onDelivered: (item) => delivered.set(item.id, (delivered.get(item.id) ?? 0) + 1) }),
    );
    const q0 = queues[0] as (typeof queues)[0];
    for (let i = 1; i <= N; i++) await q0.enqueue(1, String(i), { flag: true });
    const workers = queues.map((q) => q.work({ concurrency: 8, pollMs: 20 }));
    let stop = false;
    const retriers = queues.slice(1).map(async (q) => {
      while (!stop) {
        await q.retryFailed();
        await new Promise((r) => setTimeout(r, 5));
      }
    });
    try {
      await until(async () => (await q0.counts()).delivered === N, 45_000, "every delivery");
    } finally {
      stop = true;
      await Promise.all(retriers);
      await Promise.all(workers.map((w) => w.stop()));
      await server.close();
    }
    expect(await q0.counts()).toEqual({ queued: 0, inFlight: 0, delivered: N, failed: 0, unknown: 0 });
    expect(oks.size).toBe(N);
    expect([...oks.values()].every((n) => n === 1)).toBe(true);
    expect(delivered.size).toBe(N);
    expect([...delivered.values()].every((n) => n === 1)).toBe(true);
  });
});
