// The delivery queue against an injected fetch: validation at the door, bounded concurrency, backpressure,
// flush/close/stop, the safe-retry policy with one pause for the whole queue, and held failures.
import { describe, expect, it, vi } from "vitest";
import { createParadigmClient, ParadigmValidationError, RateLimitError } from "../src/client/index.ts";
import { createFeedbackQueue, type FeedbackQueueOptions, ParadigmQueueClosedError, ParadigmQueueFullError } from "../src/queue/index.ts";

type Seen = { path: string; body: unknown };
type Handler = (req: Seen, n: number) => Response | Promise<Response>;

/** A client whose fetch is `handler`: records each request (path and JSON body) in `seen`. */
function fake(handler: Handler = () => new Response(null, { status: 200 })) {
  const seen: Seen[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const req = { path: new URL(String(input)).pathname, body: JSON.parse(String(init?.body ?? "null")) as unknown };
    seen.push(req);
    return handler(req, seen.length);
  };
  return { seen, client: createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9", fetch }) };
}

/** A promise and its resolver, to hold a response or a pause until the test releases it. */
function gate<T = void>() {
  let open!: (v: T) => void;
  const p = new Promise<T>((r) => {
    open = r;
  });
  return { p, open };
}

const ticks = async (n = 20) => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

const noSleep: FeedbackQueueOptions["sleep"] = async () => {};

describe("enqueue", () => {
  it("refuses an invalid item at the call with the spec's reasons; nothing is queued or sent", async () => {
    const { seen, client } = fake();
    const q = createFeedbackQueue(client);
    const err = await q.enqueue(3, "c", { tag: "x".repeat(121) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmValidationError);
    expect((err as ParadigmValidationError).issues).toEqual([{ path: "$.body.tag", message: "must be at most 120 characters, got 121" }]);
    await expect(q.enqueue(1.5, "c", { flag: true })).rejects.toThrow(/\$\.path\.feedback_type_id must be an integer/);
    await expect(q.enqueue(3, "", { flag: true })).rejects.toThrow(/completion_id must not be empty/);
    // @ts-expect-error: a typo'd field is refused by the types and at run time
    await expect(q.enqueue(3, "c", { vaule: 4 })).rejects.toThrow(/vaule is not a property the spec declares/);
    await q.close();
    expect(seen).toEqual([]);
    expect(q.counts).toMatchObject({ queued: 0, inFlight: 0, delivered: 0, failed: 0, unknown: 0 });
  });

  it("sends what was enqueued, even if the caller changes its object afterwards", async () => {
    const { seen, client } = fake();
    const q = createFeedbackQueue(client);
    const feedback = { value: 1 };
    const pending = q.enqueue(3, "cmpl/1", feedback);
    feedback.value = 99;
    await pending;
    await q.close();
    expect(seen).toEqual([{ path: "/api/v2/rate/3/cmpl%2F1", body: { value: 1 } }]);
  });
});

describe("delivery", () => {
  it.each([
    [undefined, 4],
    [3, 3],
  ])("keeps at most concurrency=%s (effective %i) requests in flight and delivers every item once", async (concurrency, expected) => {
    let active = 0;
    let peak = 0;
    const { seen, client } = fake(async () => {
      peak = Math.max(peak, ++active);
      await ticks(2);
      active--;
      return new Response(null, { status: 200 });
    });
    const q = createFeedbackQueue(client, concurrency === undefined ? {} : { concurrency });
    for (let i = 0; i < 40; i++) await q.enqueue(1, `c${i}`, { value: i });
    await q.flush();
    expect(peak).toBe(expected);
    expect(seen.map((s) => s.path).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `/api/v2/rate/1/c${i}`).sort());
    expect(q.counts).toMatchObject({ queued: 0, inFlight: 0, delivered: 40 });
    await q.close();
  });

  it("reports each outcome through the item's promise and the hooks", async () => {
    const { client } = fake((req) => new Response(null, { status: req.path.endsWith("/bad") ? 400 : 200 }));
    const onDelivered = vi.fn();
    const onError = vi.fn();
    const q = createFeedbackQueue(client, { onDelivered, onError });
    const good = await q.enqueue(1, "good", { flag: true });
    const bad = await q.enqueue(1, "bad", { flag: false }, { ref: 7 });
    await q.flush();
    await expect(good.outcome).resolves.toMatchObject({ status: "delivered", result: { status: 200, attempts: 1 } });
    await expect(bad.outcome).resolves.toMatchObject({ status: "failed", error: { status: 400, deliveryUnknown: false } });
    expect(onDelivered).toHaveBeenCalledOnce();
    expect(onDelivered.mock.calls[0]?.[0]).toBe(good);
    expect(onError).toHaveBeenCalledOnce();
    expect(onError.mock.calls[0]?.[0]).toMatchObject({ completionId: "bad", ref: 7 });
    await q.close();
  });

  it("flush() waits for items whose enqueue() was not awaited", async () => {
    const { client } = fake(async () => {
      await ticks(1);
      return new Response(null, { status: 200 });
    });
    const q = createFeedbackQueue(client, { maxQueued: 5 });
    const calls = Array.from({ length: 20 }, (_, i) => q.enqueue(2, `c${i}`, { value: i }));
    await q.flush();
    expect(q.counts.delivered).toBe(20);
    expect((await Promise.all(calls)).length).toBe(20);
    await q.close();
  });
});

describe("backpressure", () => {
  it('rejects with ParadigmQueueFullError when full and whenFull is "reject", and queues nothing', async () => {
    const hold = gate<Response>();
    const { seen, client } = fake(() => hold.p);
    const q = createFeedbackQueue(client, { maxQueued: 2, whenFull: "reject", concurrency: 1 });
    await q.enqueue(1, "a", { flag: true });
    await q.enqueue(1, "b", { flag: true });
    const err = await q.enqueue(1, "c", { flag: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmQueueFullError);
    expect(err).toMatchObject({ maxQueued: 2 });
    hold.open(new Response(null, { status: 200 }));
    await q.close();
    expect(seen.map((s) => s.path)).toEqual(["/api/v2/rate/1/a", "/api/v2/rate/1/b"]);
  });

  it('makes enqueue() wait for room when whenFull is "wait", admitting waiters in call order', async () => {
    const holds = [gate<Response>(), gate<Response>(), gate<Response>(), gate<Response>()];
    const { seen, client } = fake((_, n) => (holds[n - 1] as ReturnType<typeof gate<Response>>).p);
    const q = createFeedbackQueue(client, { maxQueued: 2, concurrency: 1 });
    await q.enqueue(1, "a", { flag: true });
    await q.enqueue(1, "b", { flag: true });
    const admitted: string[] = [];
    const c = q.enqueue(1, "c", { flag: true }).then((i) => admitted.push(i.completionId));
    const d = q.enqueue(1, "d", { flag: true }).then((i) => admitted.push(i.completionId));
    await ticks();
    expect(admitted).toEqual([]); // still full: a is in flight, b queued
    holds[0]?.open(new Response(null, { status: 200 }));
    await c;
    await ticks();
    expect(admitted).toEqual(["c"]);
    holds[1]?.open(new Response(null, { status: 200 }));
    await d;
    expect(admitted).toEqual(["c", "d"]);
    holds[2]?.open(new Response(null, { status: 200 }));
    holds[3]?.open(new Response(null, { status: 200 }));
    await q.close();
    expect(seen.map((s) => s.path.slice(-1))).toEqual(["a", "b", "c", "d"]);
    expect(q.counts.delivered).toBe(4);
  });
});

describe("close and stop", () => {
  it("close() stops intake, then delivers everything already accepted", async () => {
    const { seen, client } = fake(async () => {
      await ticks(1);
      return new Response(null, { status: 200 });
    });
    const q = createFeedbackQueue(client, { concurrency: 2 });
    for (let i = 0; i < 10; i++) await q.enqueue(1, `c${i}`, { flag: true });
    const closing = q.close();
    await expect(q.enqueue(1, "late", { flag: true })).rejects.toBeInstanceOf(ParadigmQueueClosedError);
    await closing;
    expect(seen).toHaveLength(10);
    expect(q.counts).toMatchObject({ delivered: 10, queued: 0, inFlight: 0 });
  });

  it("stop() lets requests in flight finish and hands back the rest, undelivered", async () => {
    const hold = gate<Response>();
    const { seen, client } = fake(() => hold.p);
    const q = createFeedbackQueue(client, { concurrency: 2 });
    const items = [];
    for (let i = 0; i < 5; i++) items.push(await q.enqueue(1, `c${i}`, { flag: true }));
    await ticks();
    const stopping = q.stop();
    hold.open(new Response(null, { status: 200 }));
    const left = await stopping;
    expect(seen).toHaveLength(2);
    expect(left.map((i) => i.completionId)).toEqual(["c2", "c3", "c4"]);
    await expect(items[4]?.outcome).resolves.toMatchObject({ status: "stopped" });
    await expect(items[0]?.outcome).resolves.toMatchObject({ status: "delivered" });
    await expect(q.enqueue(1, "late", { flag: true })).rejects.toBeInstanceOf(ParadigmQueueClosedError);
  });
});

describe("retries", () => {
  it("pauses the whole queue for a 429's Retry-After, then retries the item and resumes the rest", async () => {
    const pause = gate();
    const sleeps: number[] = [];
    let first = true;
    const { seen, client } = fake((req) => {
      if (req.path.endsWith("/a") && first) {
        first = false;
        return new Response("slow down", { status: 429, headers: { "retry-after-ms": "1500" } });
      }
      return new Response(null, { status: 200 });
    });
    const onRetry = vi.fn();
    const q = createFeedbackQueue(client, {
      concurrency: 2,
      onRetry,
      sleep: (ms) => {
        sleeps.push(ms);
        return pause.p;
      },
    });
    for (const id of ["a", "b", "c", "d"]) await q.enqueue(1, id, { flag: true });
    await ticks();
    // a was refused, b was already in flight; c and d wait for the pause even though a worker is free.
    expect(seen.map((s) => s.path.slice(-1))).toEqual(["a", "b"]);
    expect(sleeps).toEqual([1500]);
    expect(onRetry.mock.calls[0]?.[1]).toBeInstanceOf(RateLimitError);
    expect(onRetry.mock.calls[0]?.[2]).toBe(1500);
    pause.open();
    await q.flush();
    expect(seen.map((s) => s.path.slice(-1))).toEqual(["a", "b", "a", "c", "d"]);
    expect(q.counts).toMatchObject({ delivered: 4, retries: 1, failed: 0, unknown: 0 });
    await q.close();
  });

  it("retries a 503 with Retry-After and a refused connection, with backoff when the server gives no delay", async () => {
    const sleeps: number[] = [];
    const { seen, client } = fake((req, n) => {
      if (n === 1) return new Response(null, { status: 503, headers: { "retry-after": "2" } });
      if (n === 2) throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }) });
      return new Response(JSON.stringify(req.body), { status: 200 });
    });
    const q = createFeedbackQueue(client, {
      concurrency: 1,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
    const item = await q.enqueue(1, "x", { value: 3 });
    await q.flush();
    expect(seen).toHaveLength(3);
    expect(sleeps[0]).toBe(2000);
    expect(sleeps[1]).toBeGreaterThanOrEqual(750); // second attempt's backoff: 1 s × (0.75–1)
    expect(sleeps[1]).toBeLessThanOrEqual(1000);
    await expect(item.outcome).resolves.toMatchObject({ status: "delivered", item: { attempts: 3 } });
    await q.close();
  });

  it("holds an item as failed after maxRetries refusals, with the last error", async () => {
    const { seen, client } = fake(() => new Response(null, { status: 429, headers: { "retry-after-ms": "1" } }));
    const q = createFeedbackQueue(client, { maxRetries: 3, sleep: noSleep });
    const item = await q.enqueue(1, "x", { flag: true });
    await q.flush();
    expect(seen).toHaveLength(4);
    await expect(item.outcome).resolves.toMatchObject({ status: "failed" });
    expect(q.failed()[0]?.error).toBeInstanceOf(RateLimitError);
    expect(q.counts).toMatchObject({ failed: 1, unknown: 0, retries: 3, delivered: 0 });
    await q.close();
  });

  it("does not retry an ambiguous failure (500, 503 without Retry-After, timeout): it is held as unknown", async () => {
    const { seen, client } = fake(async (req) => {
      if (req.path.endsWith("/500")) return new Response("boom", { status: 500 });
      if (req.path.endsWith("/503")) return new Response(null, { status: 503 });
      return new Promise<Response>(() => {}); // never answers: the per-attempt timeout fires
    });
    const onError = vi.fn();
    const q = createFeedbackQueue(client, { onError, sleep: noSleep, rateOptions: { timeoutMs: 30 } });
    for (const id of ["500", "503", "hang"]) await q.enqueue(1, id, { flag: true });
    await q.flush();
    expect(seen).toHaveLength(3);
    expect(q.counts).toMatchObject({ unknown: 3, failed: 0, delivered: 0, retries: 0 });
    expect(
      q
        .failed()
        .map((f) => [f.item.completionId, f.error.name, f.deliveryUnknown])
        .sort(),
    ).toEqual([
      ["500", "InternalServerError", true],
      ["503", "InternalServerError", true],
      ["hang", "ParadigmTimeoutError", true],
    ]);
    expect(onError).toHaveBeenCalledTimes(3);
    await q.close();
  });

  it("retries ambiguous failures too when retryUnknownDelivery is on", async () => {
    const { seen, client } = fake((_, n) => new Response(null, { status: n === 1 ? 502 : 200 }));
    const q = createFeedbackQueue(client, { retryUnknownDelivery: true, sleep: noSleep });
    await q.enqueue(1, "x", { flag: true });
    await q.close();
    expect(seen).toHaveLength(2);
    expect(q.counts).toMatchObject({ delivered: 1, unknown: 0 });
  });
});

describe("failed items", () => {
  it("keeps failed items with their errors, and retryFailed() requeues the ones chosen", async () => {
    let healthy = false;
    const { seen, client } = fake((req) => {
      if (healthy) return new Response(null, { status: 200 });
      return new Response(null, { status: req.path.endsWith("/u") ? 504 : 404 });
    });
    const q = createFeedbackQueue(client, { sleep: noSleep });
    await q.enqueue(1, "n", { flag: true });
    await q.enqueue(1, "u", { flag: true });
    await q.flush();
    expect(q.counts).toMatchObject({ failed: 1, unknown: 1 });
    healthy = true;
    const again = await q.retryFailed((f) => !f.deliveryUnknown);
    expect(again.map((i) => i.completionId)).toEqual(["n"]);
    await q.flush();
    await expect(again[0]?.outcome).resolves.toMatchObject({ status: "delivered" });
    expect(q.counts).toMatchObject({ delivered: 1, failed: 0, unknown: 1 });
    expect(q.failed().map((f) => f.item.completionId)).toEqual(["u"]);
    expect(seen.map((s) => s.path.slice(-1))).toEqual(["n", "u", "n"]);
    await q.close();
    await expect(q.retryFailed()).rejects.toBeInstanceOf(ParadigmQueueClosedError);
  });
});

it("paradigm-client/queue exports exactly its documented runtime values", async () => {
  const queue = await import("../src/queue/index.ts");
  expect(Object.keys(queue).sort()).toEqual([
    "ParadigmQueueClosedError",
    "ParadigmQueueFullError",
    "ParadigmRestoredError",
    "ParadigmStoreError",
    "createFeedbackQueue",
    "fileStore",
    "isSafeToRetry",
  ]);
});
