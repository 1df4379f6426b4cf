// Throttling: DRF's own throttle machinery (APIView.check_throttles -> Throttled -> 429 + Retry-After), made
// deterministic: every 4th request to the rate view is throttled. The client retries a 429 after Retry-After:
// the server refused before acting, so a retry cannot log a feedback twice.
import { describe, expect, it } from "vitest";
import { RateLimitError } from "../../src/client/index.ts";
import { useReference } from "./reference.ts";

const ref = useReference({}, { throttleEvery: 4, retryAfter: 1 });

describe("DRF throttling every 4th request", () => {
  it("stores 40 sequential ratings exactly once each (53 requests: 13 throttled and retried)", async () => {
    // Retry-After is 1 s; capping it keeps the test short without changing what is retried.
    const client = ref.clientWith({ maxRetryDelayMs: 20 });
    const attempts: number[] = [];
    for (let i = 0; i < 40; i++) attempts.push((await client.rate(2, `seq-${i}`, { value: i })).attempts);
    const stored = await ref.server.stored();
    expect(stored.map((r) => r.completion_id)).toEqual(Array.from({ length: 40 }, (_, i) => `seq-${i}`));
    expect(stored.map((r) => r.value)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(attempts.reduce((a, b) => a + b, 0)).toBe(53);
    expect(attempts.filter((a) => a === 2)).toHaveLength(13);
  });

  it("waits the server's Retry-After (1 s) before retrying, by default", async () => {
    await ref.server.reset({ throttleEvery: 2, retryAfter: 1 });
    await ref.client.rate(2, "first", { value: 1 });
    const started = performance.now();
    await expect(ref.client.rate(2, "second", { value: 2 })).resolves.toMatchObject({ status: 200, attempts: 2 });
    expect(performance.now() - started).toBeGreaterThanOrEqual(1000);
    expect((await ref.server.stored()).map((r) => r.completion_id)).toEqual(["first", "second"]);
  });

  it("rejects with DRF's words as a RateLimitError once retries run out, and stores nothing", async () => {
    await ref.server.reset({ throttleEvery: 1, retryAfter: 1 });
    const err = await ref
      .clientWith({ maxRetries: 0 })
      .rate(2, "cmpl-1", { value: 1 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({
      status: 429,
      retryAfter: 1000,
      deliveryUnknown: false,
      body: { detail: "Request was throttled. Expected available in 1 second." },
    });
    expect((err as RateLimitError).message).toBe("429 Too Many Requests: Request was throttled. Expected available in 1 second.");
    expect((err as RateLimitError).headers.get("retry-after")).toBe("1");
    expect(await ref.server.stored()).toEqual([]);
  });
});
