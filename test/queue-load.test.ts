// Load and fault test: 10,000 ratings through the queue against a loopback server that refuses ~20% of
// requests (429 and 503, each with retry-after-ms: 5). Every rating must arrive exactly once.
// And the outbox at size: opening a large log costs memory for its live items, not for the file.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createParadigmClient } from "../src/client/index.ts";
import { createFeedbackQueue, fileStore } from "../src/queue/index.ts";
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

it("opens a 70 MB outbox of settled items in bounded memory (streamed, only live items kept)", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "paradigm-outbox-load-"));
  try {
    // 150,000 items (add + send + done), 4 still held: what a long import leaves without compaction.
    const big = join(dir, "big.jsonl");
    const comment = "c".repeat(300);
    const parts: string[] = [];
    for (let i = 0; i < 150_000; i++) {
      parts.push(`{"op":"add","id":"i${i}","feedback_type_id":1,"completion_id":"cmpl-${i}","feedback":{"value":3,"comment":"${comment}"},"ref":${i}}\n`);
      parts.push(`{"op":"send","id":"i${i}"}\n`);
      if (i % 37_500 !== 1) parts.push(`{"op":"done","id":"i${i}"}\n`);
    }
    writeFileSync(big, parts.join(""));
    parts.length = 0;
    const empty = join(dir, "empty.jsonl");
    // Each open runs in a fresh process, so its peak RSS (maxRSS) is the open's alone, next to a baseline.
    const open = (path: string) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            "--import",
            "tsx",
            "--input-type=module",
            "-e",
            "const { fileStore } = await import(process.argv[1]); const s = fileStore(process.argv[2]); const snap = await s.open(); await s.close(); " +
              "console.log(JSON.stringify({ rssMB: process.resourceUsage().maxRSS / 1024, items: snap.items.length, lastRef: snap.lastRef }))",
            join(import.meta.dirname, "..", "src", "queue", "store.ts"),
            path,
          ],
          { encoding: "utf8" },
        ),
      ) as { rssMB: number; items: number; lastRef: number };
    const base = open(empty);
    const large = open(big);
    console.log(`outbox open: empty ${base.rssMB.toFixed(0)} MB peak RSS, 70 MB log ${large.rssMB.toFixed(0)} MB`);
    expect(large).toMatchObject({ items: 4, lastRef: 149_999 });
    // Reading the whole file at once costs 2-3× its size; streaming costs a chunk.
    expect(large.rssMB - base.rssMB).toBeLessThan(40);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it("keeps a default fileStore near its 4 MiB compaction threshold through 60,000 items (about 15 MB of records)", { timeout: 60_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), "paradigm-outbox-load-"));
  try {
    const path = join(dir, "outbox.jsonl");
    const held = new Set([7, 30_007, 59_999]);
    const client = createParadigmClient({
      apiKey: "k",
      baseUrl: "http://127.0.0.1:9",
      fetch: async (input) => new Response(null, { status: held.has(Number(String(input).split("-").pop())) ? 400 : 200 }),
    });
    const queue = createFeedbackQueue(client, { store: fileStore(path, { fsync: false }), concurrency: 16 });
    const comment = "A plausible free-text comment a user left on this answer, long enough to be realistic.";
    let largest = 0;
    const window = new Set<Promise<unknown>>();
    for (let ref = 1; ref <= 60_000; ref++) {
      const p = queue.enqueue(1, `cmpl-${ref}`, { value: ref % 5, comment }, { ref });
      window.add(p);
      void p.finally(() => window.delete(p));
      if (window.size >= 512) await Promise.race(window);
      if (ref % 1000 === 0 && existsSync(path)) largest = Math.max(largest, statSync(path).size);
    }
    await Promise.all(window);
    await queue.close();
    console.log(`outbox: largest ${(largest / 2 ** 20).toFixed(1)} MiB over 60,000 items, ${statSync(path).size} bytes after close`);
    // At most maxQueued (1000) items live, ~220 bytes each compacted: the threshold decides, plus one write group.
    expect(largest).toBeLessThan(4 * 2 ** 20 + 512 * 1024);
    expect(queue.counts).toMatchObject({ delivered: 60_000 - held.size, failed: held.size });
    expect(statSync(path).size).toBeLessThan(2048);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
