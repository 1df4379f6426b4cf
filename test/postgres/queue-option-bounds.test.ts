// Numeric edges of the operations and of maxRetries.
import { afterAll, describe, expect, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { ParadigmConfigError } from "../../src/core/errors.ts";
import { createPostgresQueue } from "../../src/postgres/index.ts";
import { migrated, newPool, startScriptedServer } from "./queue-setup.ts";

const pool = newPool();
afterAll(() => pool.end());

describe("edges", () => {
  it("maxRetries 0: the first 429 holds the item as failed, with no onRetry; retryFailed() gives it one more attempt", async () => {
    const table = await migrated(pool);
    const server = await startScriptedServer(() => ({ status: 429, headers: { "retry-after": "0" } }));
    const events: string[] = [];
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), {
      pool,
      table,
      maxRetries: 0,
      onRetry: () => events.push("retry"),
      onError: (i, e) => events.push(`held ${i.attempts} ${e.name}`),
    });
    await outbox.enqueue(1, "z", { flag: true });
    const worker = outbox.work({ pollMs: 20 });
    try {
      await outbox.drained({ pollMs: 10 });
      expect(await outbox.retryFailed()).toBe(1);
      await outbox.drained({ pollMs: 10 });
      expect(events).toEqual(["held 1 RateLimitError", "held 1 RateLimitError"]);
      expect(server.count("1/z")).toBe(2);
    } finally {
      await worker.stop();
      await server.close();
    }
  });

  it("failed({ limit }) beyond bigint's range is a ParadigmConfigError, not a database error", async () => {
    const table = await migrated(pool);
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k" }), { pool, table });
    await expect(outbox.failed({ limit: 1e20 })).rejects.toBeInstanceOf(ParadigmConfigError);
  });

  it("a concurrency beyond what a LIMIT takes is refused with ParadigmConfigError, not a worker that dies at its first claim", async () => {
    const table = await migrated(pool);
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k" }), { pool, table });
    let outcome: string;
    try {
      const worker = outbox.work({ concurrency: 1e20, pollMs: 20 });
      const r = await Promise.race([
        worker.done.then(
          () => "stopped",
          (e: Error) => `died: ${e.message}`,
        ),
        new Promise((w) => setTimeout(w, 500)),
      ]);
      await worker.stop().catch(() => undefined);
      outcome = typeof r === "string" ? r : "ran";
    } catch (e) {
      outcome = e instanceof ParadigmConfigError ? "refused" : `other: ${String(e)}`;
    }
    expect(outcome).toBe("refused");
  });
});
