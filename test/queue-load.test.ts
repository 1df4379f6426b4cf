// Load and fault test: 10,000 ratings through the queue against a loopback server that refuses ~20% of
// requests (429 and 503, each with retry-after-ms: 5). Every rating must arrive exactly once.
import { afterAll, beforeAll, expect, it } from "vitest";
import { createParadigmClient } from "../src/index.ts";
import { createFeedbackQueue } from "../src/queue.ts";
import { type CountingServer, startCountingServer } from "./fixtures/counting-server.ts";
import { lightFetch } from "./fixtures/light-fetch.ts";

const N = 10_000;
let server: CountingServer;
beforeAll(async () => {
  server = await startCountingServer({ refuse: 0.2, retryAfterMs: 5, seed: 42 });
});
afterAll(() => server.close());

it("delivers 10,000 ratings exactly once while 20% of requests are refused with 429/503 + Retry-After", { timeout: 60_000 }, async () => {
  const client = createParadigmClient({ apiKey: "load-key", baseUrl: server.url, fetch: lightFetch });
  const queue = createFeedbackQueue(client, { concurrency: 16, maxQueued: 2000 });
  const started = performance.now();
  for (let i = 0; i < N; i++) await queue.enqueue(1 + (i % 7), `cmpl-${i}`, { value: i % 5, flag: i % 2 === 0 });
  await queue.close();
  const seconds = (performance.now() - started) / 1000;

  const duplicates = [...server.counts.values()].filter((n) => n !== 1).length;
  const missing = Array.from({ length: N }, (_, i) => `${1 + (i % 7)}/cmpl-${i}`).filter((k) => !server.counts.has(k));
  console.log(
    `queue load: ${N} items in ${seconds.toFixed(2)} s (${Math.round(N / seconds)}/s); ` +
      `server accepted ${server.accepted}, refused 429×${server.refused[429]} + 503×${server.refused[503]}; ` +
      `queue: ${JSON.stringify(queue.counts)}`,
  );
  expect(missing).toEqual([]);
  expect(duplicates).toBe(0);
  expect(server.accepted).toBe(N);
  expect(server.refused[429] + server.refused[503]).toBeGreaterThan(N * 0.15); // the faults really happened
  expect(server.unauthenticated).toBe(0);
  expect(server.bodies.get("3/cmpl-9")).toEqual({ value: 4, flag: false });
  expect(queue.counts).toEqual({ queued: 0, inFlight: 0, delivered: N, failed: 0, unknown: 0, retries: server.refused[429] + server.refused[503] });
});
