// One delivery rule (src/core/delivery.ts) read by the client's request chain, the queue and the error classes:
// for every answer, rate() and the queue retry the same failures, and say the same about delivery.
import { describe, expect, it } from "vitest";
import { createParadigmClient, ParadigmConfigError, type ParadigmError } from "../src/client/index.ts";
import { createFeedbackQueue } from "../src/queue/index.ts";

type Answer = [status: number, headers?: Record<string, string>];

/** A client whose fetch answers `answers` in turn (the last one from then on), counting requests; retries wait for nothing. */
function counting(...answers: Answer[]) {
  const seen = { requests: 0 };
  const fetch: typeof globalThis.fetch = async () => {
    const [status, headers = {}] = answers[Math.min(seen.requests, answers.length - 1)] as Answer;
    seen.requests++;
    return new Response(null, { status, headers });
  };
  const client = createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9", fetch, sleep: async () => {} });
  return { seen, client };
}

async function viaClient(answer: Answer | Answer[], retryUnknownDelivery: boolean) {
  const { seen, client } = counting(...(typeof answer[0] === "number" ? [answer as Answer] : (answer as Answer[])));
  const error = await client.rate(3, "c", { value: 1 }, { maxRetries: 2, retryUnknownDelivery }).then(
    () => undefined,
    (e: ParadigmError) => e,
  );
  return { requests: seen.requests, deliveryUnknown: error?.deliveryUnknown };
}

async function viaQueue(answer: Answer | Answer[], retryUnknownDelivery: boolean) {
  const { seen, client } = counting(...(typeof answer[0] === "number" ? [answer as Answer] : (answer as Answer[])));
  const q = createFeedbackQueue(client, { maxRetries: 2, retryUnknownDelivery, sleep: async () => {} });
  const item = await q.enqueue(3, "c", { value: 1 });
  const outcome = await item.outcome;
  await q.close();
  return { requests: seen.requests, deliveryUnknown: "error" in outcome ? outcome.error.deliveryUnknown : undefined };
}

const ANSWERS: Answer[] = [[400], [404], [408], [409], [429], [500], [502], [503], [503, { "retry-after": "0" }], [504]];

describe("one delivery rule for the client and the queue", () => {
  it.each(ANSWERS.flatMap((a) => [false, true].map((r) => [a, r] as const)))(
    "%j with retryUnknownDelivery=%s: same attempts, same deliveryUnknown",
    async (answer, retryUnknownDelivery) => {
      const client = await viaClient(answer, retryUnknownDelivery);
      const queue = await viaQueue(answer, retryUnknownDelivery);
      expect(queue).toEqual(client);
    },
  );

  it("retries a 408 by default, and says the server did not act on it (RFC 9110: the request never fully arrived)", async () => {
    expect(await viaClient([408], false)).toEqual({ requests: 3, deliveryUnknown: false });
    expect(await viaQueue([408], false)).toEqual({ requests: 3, deliveryUnknown: false });
  });

  it("stays delivery-unknown after an attempt that may have landed, even when a later attempt is refused", async () => {
    const answers: Answer[] = [[500], [400]];
    expect(await viaClient(answers, true)).toEqual({ requests: 2, deliveryUnknown: true });
    expect(await viaQueue(answers, true)).toEqual({ requests: 2, deliveryUnknown: true });
  });

  it("never retries a 500 unless retryUnknownDelivery is on", async () => {
    expect(await viaClient([500], false)).toEqual({ requests: 1, deliveryUnknown: true });
    expect(await viaQueue([500], true)).toEqual({ requests: 3, deliveryUnknown: true });
  });
});

describe("queue options are checked like the client's", () => {
  const { client } = counting([200]);
  it.each([
    ["maxRetryDelayMs", Number.NaN],
    ["maxRetryDelayMs", -1],
    ["maxRetryDelayMs", Number.POSITIVE_INFINITY],
    ["maxRetries", -1],
    ["maxRetries", 1.5],
    ["concurrency", 0],
    ["maxQueued", Number.NaN],
  ] as const)("refuses %s = %s with ParadigmConfigError, naming the option", (name, value) => {
    let err: unknown;
    try {
      createFeedbackQueue(client, { [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParadigmConfigError);
    expect((err as Error).message).toMatch(new RegExp(`^${name} must be`));
  });

  it("refuses an unknown whenFull with ParadigmConfigError", () => {
    // @ts-expect-error: not one of the two modes
    expect(() => createFeedbackQueue(client, { whenFull: "drop" })).toThrow(ParadigmConfigError);
  });
});
