// Contract tests through Prism's validation proxy (startMock({ upstream }), i.e. `prism proxy <spec> <upstream> --errors`):
// Prism checks each request against the spec before forwarding it, and each response before passing it back,
// answering 500 with the list of violations when the response breaks the spec.
//  - Always on: two local upstreams on 127.0.0.1, one that follows the spec and one that does not.
//  - Live, only when PARADIGM_CONTRACT_UPSTREAM is set: the same scenarios against a real server with the real
//    PARADIGM_API_KEY (`PARADIGM_CONTRACT_UPSTREAM=https://… PARADIGM_API_KEY=… npm run test:contract`).
//    Nothing else in this file leaves the machine.
import { inspect } from "node:util";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createApi } from "../src/api/index.ts";
import {
  AuthenticationError,
  createParadigmClient,
  InternalServerError,
  NotFoundError,
  ParadigmAPIError,
  type ParadigmClient,
  ParadigmConfigError,
  PermissionDeniedError,
  type RateMediaType,
  type RateResult,
  UnprocessableEntityError,
} from "../src/client/index.ts";
import { type MockServer, startMock } from "../src/mock/index.ts";
import { answering, conforming, contractViolations, prismVerdict, type Reply, startUpstream, type Upstream } from "./upstreams.ts";

// Distinctive, so a leak into an error is easy to spot.
const KEY = "sk-contract-test-5f1c9e";

interface Scenario {
  name: string;
  feedbackTypeId: number;
  completionId: string;
  /** How the completion id must appear in the path the server receives. */
  encodedId: string;
  feedback: { flag?: boolean | null; value?: number | null; tag?: string | null; comment?: string | null };
  mediaType: RateMediaType;
  /** The body as the server decodes it (form and multipart carry text; null travels as an empty value). */
  received: Record<string, unknown>;
  /** Uses the completion chosen for live runs (PARADIGM_CONTRACT_COMPLETION_ID), so a real server can answer 2xx. */
  realCompletion: boolean;
}

const full = { flag: true, value: 4.5, tag: "réponse", comment: null };
const asText = { flag: "true", value: "4.5", tag: "réponse", comment: "" };
const body = (name: string, mediaType: RateMediaType, received: Record<string, unknown>): Scenario => ({
  name,
  feedbackTypeId: 3,
  completionId: "cmpl-1",
  encodedId: "cmpl-1",
  feedback: full,
  mediaType,
  received,
  realCompletion: true,
});
const pathId = (name: string, completionId: string, encodedId: string): Scenario => ({
  name,
  feedbackTypeId: 7,
  completionId,
  encodedId,
  feedback: { flag: true },
  mediaType: "application/json",
  received: { flag: true },
  realCompletion: false,
});

const scenarios: Scenario[] = [
  body("a JSON body", "application/json", full),
  body("a form body", "application/x-www-form-urlencoded", asText),
  body("a multipart body", "multipart/form-data", asText),
  pathId("a completion id with a slash", "cmpl/with/slash", "cmpl%2Fwith%2Fslash"),
  pathId("a completion id with spaces", "cmpl with spaces", "cmpl%20with%20spaces"),
  pathId("a unicode completion id", "réponse-😀-日本", "r%C3%A9ponse-%F0%9F%98%80-%E6%97%A5%E6%9C%AC"),
];

/** What rate() resolved with, or the API error it rejected with. Anything else (connection, timeout) is rethrown. */
async function outcomeOf(
  scenario: Scenario,
  client: ParadigmClient,
  ids?: { feedbackTypeId: number; completionId: string },
): Promise<RateResult | ParadigmAPIError> {
  const real = ids && scenario.realCompletion ? ids : scenario;
  try {
    return await client.rate(real.feedbackTypeId, real.completionId, scenario.feedback, { mediaType: scenario.mediaType });
  } catch (e) {
    if (e instanceof ParadigmAPIError) return e;
    throw e;
  }
}

/** A Prism proxy in front of a fresh local upstream, for one describe block. */
function proxied(respond: Parameters<typeof startUpstream>[0]) {
  const ctx = {} as { upstream: Upstream; proxy: MockServer; client: ParadigmClient };
  beforeAll(async () => {
    ctx.upstream = await startUpstream(respond);
    ctx.proxy = await startMock({ upstream: ctx.upstream.url });
    ctx.client = createParadigmClient({ apiKey: KEY, baseUrl: ctx.proxy.url });
  });
  afterAll(async () => {
    await ctx.proxy?.close();
    await ctx.upstream?.close();
  });
  beforeEach(() => {
    ctx.upstream.requests.length = 0;
  });
  return ctx;
}

describe("through Prism's proxy, a server that follows the spec", () => {
  const ctx = proxied(conforming);

  it.each(scenarios)("passes $name: rate() resolves with the server's 200 and no violation", async (s) => {
    const outcome = await outcomeOf(s, ctx.client);
    expect(contractViolations(outcome)).toEqual([]);
    expect(outcome).toMatchObject({ status: 200, attempts: 1 });
    expect(prismVerdict(outcome).violations).toEqual([]);
  });

  it.each(scenarios)("forwards $name exactly as the client sent it", async (s) => {
    await outcomeOf(s, ctx.client);
    expect(ctx.upstream.requests).toEqual([
      {
        method: "POST",
        path: `/api/v2/rate/${s.feedbackTypeId}/${s.encodedId}`,
        segments: ["api", "v2", "rate", String(s.feedbackTypeId), s.completionId],
        contentType: expect.stringMatching(new RegExp(`^${s.mediaType}(;|$)`)),
        authorization: `Bearer ${KEY}`,
        body: s.received,
      },
    ]);
  });

  it("answers 401 itself to a request without the key, and forwards nothing", async () => {
    const c = createParadigmClient({ apiKey: KEY, baseUrl: ctx.proxy.url, fetch: (input, init) => fetch(input, { ...init, headers: {} }) });
    const err = await c.rate(3, "cmpl-1", { flag: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(prismVerdict(err).problem).toBe("UNAUTHORIZED");
    expect(ctx.upstream.requests).toEqual([]);
  });

  it("refuses a request that breaks the spec with a 422 naming the field, and forwards nothing", async () => {
    const raw = createParadigmClient({ apiKey: KEY, baseUrl: ctx.proxy.url, validate: false });
    const err = await raw.rate(3, "cmpl-1", { flag: "yes" } as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnprocessableEntityError);
    expect(contractViolations(err)).toEqual(["body.flag: Request body property flag must be boolean,null"]);
    expect(ctx.upstream.requests).toEqual([]);
  });
});

describe("through Prism's proxy, a server that breaks the spec", () => {
  const undeclared: [string, Reply][] = [
    ["201 with a JSON body", { status: 201, headers: { "content-type": "application/json" }, body: '{"id":1}' }],
    ["204", { status: 204 }],
  ];
  // Prism's own words, plus the status (startMock adds it: Prism's message leaves it out).
  const unmatched = (status: number) => `Unable to match the returned status code ${status} with those defined in the document: 200`;

  describe.each(undeclared)("answering %s (the spec declares only 200)", (_, reply) => {
    const ctx = proxied(answering(reply));

    it("rejects rate() with a 500 contract violation that names the undeclared status", async () => {
      const err = await outcomeOf(scenarios[0] as Scenario, ctx.client);
      expect(err).toBeInstanceOf(InternalServerError);
      expect(err).toMatchObject({ status: 500, deliveryUnknown: true });
      expect((err as InternalServerError).message).toBe(
        "500 Internal Server Error: Request/Response not valid — Your request/response is not valid and the --errors flag is set, " +
          `so Prism is generating this error for you. — response: ${unmatched(reply.status)}`,
      );
      expect(prismVerdict(err)).toEqual({
        problem: "VIOLATIONS",
        violations: [{ location: "response", severity: "Error", message: unmatched(reply.status) }],
      });
      expect(contractViolations(err)).toEqual([`response: ${unmatched(reply.status)}`]);
      expect(`${JSON.stringify(err)} ${inspect(err, { depth: 5 })}`).not.toContain(KEY);
      // The request did reach the server: the violation is in its answer, not in what we sent.
      expect(ctx.upstream.requests).toHaveLength(1);
      expect(ctx.upstream.requests[0]).toMatchObject({ method: "POST", authorization: `Bearer ${KEY}`, body: full });
    });

    it.each(scenarios.slice(1))("flags it for $name too", async (s) => {
      expect(contractViolations(await outcomeOf(s, ctx.client))).toEqual([`response: ${unmatched(reply.status)}`]);
      expect(ctx.upstream.requests).toHaveLength(1);
    });

    it("shows it to createApi(client) as `error`, with the same list", async () => {
      const { error, response } = await createApi(ctx.client).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
        params: { path: { feedback_type_id: 3, completion_id: "cmpl-1" } },
        body: { flag: true },
      });
      expect(response.status).toBe(500);
      expect(error).toMatchObject({
        type: "https://stoplight.io/prism/errors#VIOLATIONS",
        validation: [{ location: ["response"], severity: "Error", message: unmatched(reply.status) }],
      });
    });
  });
});

// Prism 5.14.2 limits, pinned so that a Prism upgrade changing them is noticed here.
describe("what the proxy lets through", () => {
  describe("a 200 with a body the spec does not declare", () => {
    const ctx = proxied(answering({ status: 200, headers: { "content-type": "application/json" }, body: '{"unexpected":true}' }));

    it("passes unflagged: Prism does not check a body against a response declared without content", async () => {
      const outcome = await outcomeOf(scenarios[0] as Scenario, ctx.client);
      expect(outcome).toMatchObject({ status: 200 });
      expect(prismVerdict(outcome)).toEqual({ problem: undefined, violations: [] });
    });
  });

  describe("an error status the spec does not declare", () => {
    const ctx = proxied(answering({ status: 404, headers: { "content-type": "application/json" }, body: '{"detail":"Not found."}' }));

    it("passes as the server's own error, with only a Warning in sl-violations", async () => {
      const err = await outcomeOf(scenarios[0] as Scenario, ctx.client);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as NotFoundError).message).toBe("404 Not Found: Not found.");
      expect(prismVerdict(err)).toEqual({
        problem: undefined,
        violations: [
          { location: "response", severity: "Warning", message: "Unable to match the returned status code 404 with those defined in the document: 200" },
        ],
      });
      expect(contractViolations(err)).toEqual([]);
    });
  });

  describe("a 501 from the server", () => {
    const ctx = proxied(answering({ status: 501 }));

    it("is passed on as a 501, not replaced by Prism's mocked 200 (startMock turns remocking off)", async () => {
      const err = await outcomeOf(scenarios[0] as Scenario, ctx.client);
      expect(err).toBeInstanceOf(InternalServerError);
      expect(err).toMatchObject({ status: 501 });
      expect(prismVerdict(err).problem).toBe("UPSTREAM_NOT_IMPLEMENTED");
      expect(contractViolations(err)).toEqual([expect.stringMatching(/^Prism answered UPSTREAM_NOT_IMPLEMENTED: 501 .*501 Not Implemented/)]);
      expect(ctx.upstream.requests).toHaveLength(1);
    });
  });
});

describe("startMock({ upstream })", () => {
  it("refuses a plain-http upstream that is not loopback, since Prism forwards the key as is", async () => {
    await expect(startMock({ upstream: "http://paradigm.example.invalid" })).rejects.toThrow(ParadigmConfigError);
    await expect(startMock({ upstream: "http://paradigm.example.invalid" })).rejects.toThrow(/plain http to paradigm\.example\.invalid/);
  });

  it("refuses an upstream that is not an http(s) URL", async () => {
    await expect(startMock({ upstream: "paradigm.lighton.ai" })).rejects.toThrow(/not an absolute URL/);
    await expect(startMock({ upstream: "ftp://paradigm.lighton.ai" })).rejects.toThrow(/must be http\(s\)/);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Live: the same scenarios against a real server. Rating is not idempotent: each run logs real feedbacks.

const LIVE_UPSTREAM = process.env.PARADIGM_CONTRACT_UPSTREAM || undefined;
const LIVE_TITLE = LIVE_UPSTREAM
  ? `live contract: ${LIVE_UPSTREAM} through Prism's proxy`
  : "live contract (skipped: set PARADIGM_CONTRACT_UPSTREAM=https://… and PARADIGM_API_KEY to run against a real server)";

describe.skipIf(!LIVE_UPSTREAM)(LIVE_TITLE, () => {
  // A real completion to rate, so the body scenarios can expect 2xx. Without one, any answer the spec allows passes.
  const completionId = process.env.PARADIGM_CONTRACT_COMPLETION_ID || undefined;
  const ids = completionId ? { feedbackTypeId: Number(process.env.PARADIGM_CONTRACT_FEEDBACK_TYPE_ID ?? "1"), completionId } : undefined;
  let proxy: MockServer | undefined;
  let client: ParadigmClient;

  beforeAll(async () => {
    if (!LIVE_UPSTREAM) return;
    proxy = await startMock({ upstream: LIVE_UPSTREAM });
    // The key comes from PARADIGM_API_KEY; a missing one fails here with "Missing API key".
    client = createParadigmClient({ baseUrl: proxy.url, timeoutMs: 15_000 });
  });
  afterAll(async () => {
    await proxy?.close();
  });

  it.each(scenarios)("$name follows the spec, request and response", async (s) => {
    const outcome = await outcomeOf(s, client, ids);
    expect(contractViolations(outcome), "contract violations").toEqual([]);
    if (outcome instanceof AuthenticationError || outcome instanceof PermissionDeniedError) {
      expect.fail(`The server refused PARADIGM_API_KEY (${outcome.message}); nothing about the contract was checked.`);
    }
    if (ids && s.realCompletion && outcome instanceof ParadigmAPIError) expect.fail(`Rating completion ${ids.completionId} failed: ${outcome.message}`);
    const warnings = prismVerdict(outcome).violations.filter((v) => v.severity !== "Error");
    if (warnings.length) console.info(`${s.name}: ${outcome.status}, ${warnings.map((w) => `${w.severity} ${w.location}: ${w.message}`).join("; ")}`);
  });
});
