// paradigm-client/browser: sendFeedback() against a real handler route on loopback (node:http), forwarding to Prism.
// The real-browser run (Chromium, two origins) is in test-dist/run.mjs.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, expectTypeOf, inject, it } from "vitest";
import { FeedbackError, type FeedbackInput, sendFeedback } from "../src/browser/index.ts";
import { createParadigmClient } from "../src/client/client.ts";
import { createFeedbackHandler, signFeedbackToken, toNodeListener } from "../src/handler/index.ts";

const SECRET = "browser-secret-0123456789abcdefghijklmn";
let server: Server;
let endpoint: string;
const upstream: string[] = [];
let nextUpstream: Response | undefined;

beforeAll(async () => {
  const client = createParadigmClient({
    apiKey: "sk-browser-test",
    baseUrl: inject("prismUrl"),
    fetch: (input, init) => {
      upstream.push(String(input));
      const scripted = nextUpstream;
      nextUpstream = undefined;
      return scripted ? Promise.resolve(scripted) : fetch(input, init);
    },
  });
  server = createServer(toNodeListener(createFeedbackHandler({ secret: SECRET, client })));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/feedback`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const token = (o: { maxUses?: number; expiresInSeconds?: number } = {}) =>
  signFeedbackToken({ secret: SECRET, completionId: "cmpl-browser", feedbackTypeIds: [3], ...o });

describe("sendFeedback", () => {
  it("posts { token, feedbackTypeId, feedback } as JSON and resolves once the handler forwarded it", async () => {
    const before = upstream.length;
    await expect(sendFeedback({ endpoint, token: await token(), feedbackTypeId: 3, feedback: { flag: true } })).resolves.toBeUndefined();
    expect(upstream.slice(before)).toEqual([`${inject("prismUrl")}/api/v2/rate/3/cmpl-browser`]);
  });

  it("rejects with FeedbackError carrying the status and the handler's code", async () => {
    const t = await token({ maxUses: 1 });
    await sendFeedback({ endpoint, token: t, feedbackTypeId: 3, feedback: { flag: true } });
    const used = await sendFeedback({ endpoint, token: t, feedbackTypeId: 3, feedback: { flag: true } }).catch((e) => e);
    expect(used).toBeInstanceOf(FeedbackError);
    expect(used).toMatchObject({ status: 403, code: "token_used_up", message: "The feedback token has been used up" });
    const scope = await sendFeedback({ endpoint, token: t, feedbackTypeId: 4, feedback: { flag: true } }).catch((e) => e);
    expect(scope).toMatchObject({ status: 403, code: "token_scope" });
    const invalid = await sendFeedback({ endpoint, token: await token(), feedbackTypeId: 3, feedback: { tag: "x".repeat(121) } }).catch((e) => e);
    expect(invalid).toMatchObject({ status: 400, message: "Invalid feedback" });
  });

  it("gives retryAfter (seconds) when the upstream is rate-limited", async () => {
    nextUpstream = new Response(null, { status: 429, headers: { "retry-after": "12" } });
    const e = await sendFeedback({ endpoint, token: await token(), feedbackTypeId: 3, feedback: { flag: true } }).catch((x) => x);
    expect(e).toMatchObject({ name: "FeedbackError", status: 503, retryAfter: 12 });
  });

  it("a network failure is a FeedbackError with status 0; an abort is the fetch's AbortError", async () => {
    const e = await sendFeedback({ endpoint: "http://127.0.0.1:1/x", token: "t", feedbackTypeId: 3, feedback: {} }).catch((x) => x);
    expect(e).toMatchObject({ name: "FeedbackError", status: 0 });
    const aborted = await sendFeedback({ endpoint, token: "t", feedbackTypeId: 3, feedback: {}, signal: AbortSignal.abort() }).catch((x) => x);
    expect(aborted.name).toBe("AbortError");
  });

  // Checked by tsc (npm run typecheck covers test/): an unused @ts-expect-error is itself an error.
  it("is typed from the spec: FeedbackInput for feedback, an integer-typed id", () => {
    // @ts-expect-error flag is a boolean in the spec
    void (() => sendFeedback({ endpoint, token: "t", feedbackTypeId: 3, feedback: { flag: "yes" } }));
    // @ts-expect-error display_value is read-only (server-set)
    void (() => sendFeedback({ endpoint, token: "t", feedbackTypeId: 3, feedback: { display_value: true } }));
    // @ts-expect-error feedback_type_id is an integer in the spec
    void (() => sendFeedback({ endpoint, token: "t", feedbackTypeId: "3", feedback: {} }));
    expectTypeOf<Parameters<typeof sendFeedback>[0]["feedback"]>().toEqualTypeOf<FeedbackInput>();
  });
});
