// Property-based tests (fast-check). The main property: a random feedback call is either refused locally with
// nothing sent, or it reaches Prism (built from the same spec) and gets a 2xx. So anything our validator
// accepts, the spec accepts. For `tag` the check goes both ways: our code-point count agrees with Prism's.
import fc from "fast-check";
import { describe, expect, inject, it } from "vitest";
import { createParadigmClient, ParadigmValidationError, type RateMediaType } from "../src/client/index.ts";
import { errorFromResponse, InternalServerError, ParadigmAPIError, RateLimitError, retryAfterMs } from "../src/core/errors.ts";

const prismUrl = inject("prismUrl");
const MEDIA: RateMediaType[] = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"];

/** A client on Prism whose fetch counts what was actually sent. */
function onPrism(validate = true) {
  const sent: string[] = [];
  const client = createParadigmClient({
    apiKey: "k",
    baseUrl: prismUrl,
    validate,
    maxRetries: 0,
    fetch: (input, init) => {
      sent.push(String(input));
      return fetch(input, init);
    },
  });
  return { client, sent };
}

const anyString = fc.oneof(fc.string({ unit: "grapheme", maxLength: 20 }), fc.string({ unit: "binary", maxLength: 20 }), fc.string({ maxLength: 20 }));
const anyNumber = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -0, 1e21, Number.MAX_VALUE, Number.MIN_VALUE));
// Mostly well-typed values (so many calls reach Prism), with every kind of mistake mixed in.
const declared = fc.record(
  {
    value: fc.oneof({ weight: 6, arbitrary: anyNumber }, fc.constant(null), anyString, fc.boolean()),
    flag: fc.oneof({ weight: 6, arbitrary: fc.boolean() }, fc.constant(null), fc.constantFrom("true", 1, 0)),
    comment: fc.oneof({ weight: 6, arbitrary: fc.string({ unit: "grapheme", maxLength: 200 }) }, fc.constant(null), fc.integer()),
    tag: fc.oneof(
      { weight: 6, arbitrary: fc.string({ unit: "grapheme", maxLength: 125 }) },
      fc.string({ unit: "binary", minLength: 115, maxLength: 125 }),
      fc.constant(null),
      fc.integer(),
    ),
  },
  { requiredKeys: [] },
);
// Keys a request must not carry (read-only, typo, inherited name), kept rare.
const stray = fc.oneof(
  { weight: 8, arbitrary: fc.constant({}) },
  fc.record({ display_value: fc.oneof(fc.string(), fc.boolean(), fc.double(), fc.constant(null)) }),
  fc.record({ vaule: fc.integer() }),
  fc.record({ constructor: fc.integer() }),
);
const feedback = fc.tuple(declared, stray).map(([a, b]) => ({ ...a, ...b }));
const typeId = fc.oneof({ weight: 8, arbitrary: fc.integer({ min: -5, max: 1_000_000 }) }, anyNumber, fc.constant("3"), fc.constant(null));
const completionId = fc.oneof({ weight: 8, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 40 }) }, fc.constant(""), fc.integer(), anyString);

describe("random feedback: refused with nothing sent, or a 2xx from Prism", () => {
  it("holds for every media type", async () => {
    let reached = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(typeId, completionId, feedback, fc.constantFrom(...MEDIA), async (id, cid, body, mediaType) => {
        const { client, sent } = onPrism();
        const outcome = await client.rate(id as never, cid as never, body as never, { mediaType }).then(
          (res) => res,
          (e: unknown) => e,
        );
        if (outcome instanceof ParadigmValidationError) {
          refused++;
          expect(sent).toEqual([]);
          expect(outcome.issues.length).toBeGreaterThan(0);
          for (const i of outcome.issues) expect(i.path).toMatch(/^\$\.(path|body)\b/);
        } else {
          // Not refused: it must have been sent exactly once and accepted. A 422 here means we let through what the spec forbids.
          reached++;
          if (outcome instanceof Error) throw outcome;
          expect(sent).toHaveLength(1);
          expect((outcome as { status: number }).status).toBeGreaterThanOrEqual(200);
          expect((outcome as { status: number }).status).toBeLessThan(300);
        }
      }),
      { numRuns: 250 },
    );
    // The generators must exercise both sides, or the property proves little.
    expect(reached).toBeGreaterThan(25);
    expect(refused).toBeGreaterThan(25);
  });
});

describe("tag length: our code-point count and Prism's agree both ways", () => {
  const tag = fc.oneof(
    fc.string({ unit: "grapheme", minLength: 110, maxLength: 130 }),
    fc.string({ unit: "binary", minLength: 110, maxLength: 130 }),
    fc.string({ unit: "grapheme-composite", minLength: 55, maxLength: 70 }),
  );
  it("accepts exactly what Prism accepts (JSON)", async () => {
    await fc.assert(
      fc.asyncProperty(tag, async (t) => {
        const ours = await onPrism()
          .client.rate(3, "c", { tag: t })
          .then(
            () => "accepted",
            (e: unknown) => (e instanceof ParadigmValidationError ? "refused" : e),
          );
        const prism = await onPrism(false)
          .client.rate(3, "c", { tag: t })
          .then(
            () => "accepted",
            (e: unknown) => ((e as { status?: number }).status === 422 ? "refused" : e),
          );
        expect(ours).toBe(prism);
        expect(ours).toBe([...t].length <= 120 ? "accepted" : "refused");
      }),
      { numRuns: 100 },
    );
  });
});

describe("error mapping never chokes", () => {
  const contentType = fc.constantFrom("application/json", "application/problem+json", "text/html; charset=utf-8", "text/plain", "", "application/octet-stream");
  const body = fc.oneof(
    fc.string({ unit: "binary" }),
    fc.json(),
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.string().map((s) => `<html><title>${s}</title><body><h1>${s}</h1></body></html>`),
    fc.string().map((s) => `{"detail": ${JSON.stringify(s)}`), // truncated JSON
  );
  it("builds a typed error with a status-led message from any status, content type and body", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 400, max: 599 }),
        contentType,
        body,
        fc.option(fc.constantFrom("0", "5", "soon", "Wed, 21 Oct 2015 07:28:00 GMT")),
        (status, type, text, ra) => {
          const headers = new Headers(type ? { "content-type": type } : {});
          if (ra !== null) headers.set("retry-after", ra);
          const err = errorFromResponse(status, "", headers, text);
          expect(err).toBeInstanceOf(ParadigmAPIError);
          expect(err.status).toBe(status);
          expect(err.message.startsWith(String(status))).toBe(true);
          expect(err.message.length).toBeLessThan(700);
          if (status === 429) expect(err).toBeInstanceOf(RateLimitError);
          if (status >= 500) {
            expect(err).toBeInstanceOf(InternalServerError);
            expect(err.deliveryUnknown).toBe(!(status === 503 && retryAfterMs(headers) !== undefined));
          } else expect(err.deliveryUnknown).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("reads any Retry-After as a delay ≥ 0 or nothing", () => {
    fc.assert(
      fc.property(
        fc.option(fc.string()),
        fc.option(
          fc.oneof(
            fc.string(),
            fc.double().map(String),
            fc.date().map((d) => (Number.isNaN(d.getTime()) ? "x" : d.toUTCString())),
          ),
        ),
        (ms, ra) => {
          const h = new Headers();
          if (ms !== null) h.set("retry-after-ms", ms.replace(/[\r\n\0]/g, ""));
          if (ra !== null) h.set("retry-after", ra.replace(/[\r\n\0]/g, ""));
          const d = retryAfterMs(h);
          if (d !== undefined) expect(d).toBeGreaterThanOrEqual(0);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("retry policy", () => {
  it("waits within [0, maxRetryDelayMs] and makes maxRetries + 1 attempts on any 429, whatever it says", async () => {
    const header = fc.oneof(
      fc.constant(undefined),
      fc.nat({ max: 10_000 }).map(String),
      fc.date().map((d) => (Number.isNaN(d.getTime()) ? "junk" : d.toUTCString())),
    );
    await fc.assert(
      fc.asyncProperty(header, fc.nat({ max: 4 }), fc.nat({ max: 120_000 }), async (ra, maxRetries, maxRetryDelayMs) => {
        const delays: number[] = [];
        let calls = 0;
        const client = createParadigmClient({
          apiKey: "k",
          maxRetries,
          maxRetryDelayMs,
          sleep: async (ms) => void delays.push(ms),
          fetch: async () => {
            calls++;
            return new Response("slow down", { status: 429, headers: ra === undefined ? {} : { "retry-after": ra } });
          },
        });
        await expect(client.rate(3, "c", {})).rejects.toBeInstanceOf(RateLimitError);
        expect(calls).toBe(maxRetries + 1);
        expect(delays).toHaveLength(maxRetries);
        for (const d of delays) {
          expect(d).toBeGreaterThanOrEqual(0);
          expect(d).toBeLessThanOrEqual(maxRetryDelayMs);
        }
      }),
      { numRuns: 200 },
    );
  });
});
