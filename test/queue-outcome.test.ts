// An item's `outcome` promise: the queue makes it only when it is read (most callers never read it), so these
// pin what a reader sees whatever the moment of the read: before the item settles, after, and across a
// retryFailed() round.
import { describe, expect, it } from "vitest";
import { createParadigmClient } from "../src/client/index.ts";
import { createFeedbackQueue, type FeedbackQueueOptions } from "../src/queue/index.ts";

const noSleep: FeedbackQueueOptions["sleep"] = async () => {};

function client(status: () => number) {
  const fetch: typeof globalThis.fetch = async () => new Response(null, { status: status() });
  return createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9", fetch });
}

describe("an item's outcome", () => {
  it("is one promise, read before or after the item settles, with the same outcome", async () => {
    const q = createFeedbackQueue(client(() => 200));
    const early = await q.enqueue(1, "early", { flag: true });
    const before = early.outcome;
    const late = await q.enqueue(1, "late", { flag: true });
    await q.close();
    expect(early.outcome).toBe(before);
    await expect(before).resolves.toMatchObject({ status: "delivered", item: early, result: { status: 200 } });
    // Never read until now: settled already, it still resolves with its own outcome, and the same promise each time.
    const after = late.outcome;
    expect(late.outcome).toBe(after);
    await expect(after).resolves.toMatchObject({ status: "delivered", item: late, result: { status: 200 } });
  });

  it("starts afresh with retryFailed(): the old promise keeps the failure, the new one the new round's end", async () => {
    let status = 404;
    const q = createFeedbackQueue(
      client(() => status),
      { sleep: noSleep },
    );
    const item = await q.enqueue(1, "c", { flag: true });
    await q.flush();
    const first = item.outcome; // read only after the failure
    await expect(first).resolves.toMatchObject({ status: "failed" });
    status = 200;
    const [again] = await q.retryFailed();
    expect(again).toBe(item);
    const second = item.outcome;
    expect(second).not.toBe(first);
    await q.close();
    await expect(second).resolves.toMatchObject({ status: "delivered" });
    await expect(first).resolves.toMatchObject({ status: "failed" });
  });
});
