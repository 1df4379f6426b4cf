// The feedback route (paradigm-client/handler): every refusal sends nothing upstream; accepted feedback reaches
// Prism (or a queue); upstream limits come back as 503 + Retry-After; no answer ever carries the key or upstream text.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { createParadigmClient } from "../src/client/client.ts";
import { createFeedbackHandler, type FeedbackHandlerOptions, memoryUsesStore, signFeedbackToken, toNodeListener } from "../src/handler/index.ts";
import { createFeedbackQueue } from "../src/queue/index.ts";

const prismUrl = inject("prismUrl");
const SECRET = "route-secret-0123456789abcdefghijklmnop";
const KEY = "sk-handler-test-key-9f8e7d6c5b4a39281706";
const PAGE = "http://localhost:5173";

type Reply = { status: number; headers?: Record<string, string>; body?: string };

/**
 * A handler whose client talks to Prism (or answers `replies` in turn, without a network) and counts every request
 * the client made upstream.
 */
function setUp(opts: { replies?: Reply[]; handler?: Partial<FeedbackHandlerOptions> } = {}) {
  const upstream: { url: string; body: string | undefined; authorization: string | null }[] = [];
  const client = createParadigmClient({
    apiKey: KEY,
    baseUrl: opts.replies ? "http://127.0.0.1:9" : prismUrl,
    fetch: async (input, init) => {
      upstream.push({ url: String(input), body: init?.body as string | undefined, authorization: new Headers(init?.headers).get("authorization") });
      if (!opts.replies) return fetch(input, init);
      // Past the scripted replies, the fake upstream accepts.
      const reply = opts.replies.shift() ?? { status: 200 };
      return new Response(reply.body ?? null, { status: reply.status, headers: reply.headers ?? {} });
    },
  });
  const handler = createFeedbackHandler({ secret: SECRET, client, allowedOrigins: [PAGE], ...opts.handler } as FeedbackHandlerOptions);
  return { handler, upstream };
}

const token = (o: { completionId?: string; feedbackTypeIds?: number[]; expiresInSeconds?: number; maxUses?: number; secret?: string } = {}) =>
  signFeedbackToken({
    secret: o.secret ?? SECRET,
    completionId: o.completionId ?? "cmpl-route",
    feedbackTypeIds: o.feedbackTypeIds ?? [3],
    ...(o.expiresInSeconds ? { expiresInSeconds: o.expiresInSeconds } : {}),
    ...(o.maxUses ? { maxUses: o.maxUses } : {}),
  });

function post(body: unknown, init: { headers?: Record<string, string>; method?: string; raw?: string | Uint8Array<ArrayBuffer> } = {}): Request {
  return new Request("http://127.0.0.1:8787/api/feedback", {
    method: init.method ?? "POST",
    headers: { "content-type": "application/json", origin: PAGE, ...init.headers },
    body: (init.method ?? "POST") === "GET" ? null : (init.raw ?? JSON.stringify(body)),
  });
}

/** Status, headers and parsed problem document of an answer. */
async function read(res: Response) {
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("accepted feedback", () => {
  it("forwards to Prism with the token's completion and answers 204 with CORS headers for the page", async () => {
    const { handler, upstream } = setUp();
    const res = await read(await handler(post({ token: await token(), feedbackTypeId: 3, feedback: { flag: true } })));
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect(res.headers.get("access-control-allow-origin")).toBe(PAGE);
    expect(res.headers.get("vary")).toBe("Origin");
    expect(upstream).toHaveLength(1);
    expect(upstream[0]?.url).toBe(`${prismUrl}/api/v2/rate/3/cmpl-route`);
    expect(JSON.parse(upstream[0]?.body ?? "")).toEqual({ flag: true });
    expect(upstream[0]?.authorization).toBe(`Bearer ${KEY}`);
  });

  it("enqueues on a queue instead, when given one, and calls onFeedback after", async () => {
    const delivered: string[] = [];
    const client = createParadigmClient({ apiKey: KEY, baseUrl: prismUrl });
    const queue = createFeedbackQueue(client, { onDelivered: (item) => delivered.push(`${item.feedbackTypeId}/${item.completionId}`) });
    const seen: unknown[] = [];
    const handler = createFeedbackHandler({ secret: SECRET, queue, onFeedback: (f) => void seen.push([f.completionId, f.feedbackTypeId, f.feedback]) });
    const res = await handler(post({ token: await token({ feedbackTypeIds: [3, 4] }), feedbackTypeId: 4, feedback: { value: 4.5 } }));
    expect(res.status).toBe(204);
    await queue.close();
    expect(delivered).toEqual(["4/cmpl-route"]);
    expect(seen).toEqual([["cmpl-route", 4, { value: 4.5 }]]);
  });

  it("an onFeedback that throws still answers 204 (the feedback was logged) and reports on stderr", async () => {
    const errors: unknown[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...a) => void errors.push(a));
    const { handler, upstream } = setUp({
      handler: {
        onFeedback: () => {
          throw new Error("local store down");
        },
      },
    });
    const res = await handler(post({ token: await token(), feedbackTypeId: 3, feedback: { flag: false } }));
    spy.mockRestore();
    expect(res.status).toBe(204);
    expect(upstream).toHaveLength(1);
    expect(String(errors[0])).toContain("onFeedback threw");
  });
});

describe("refusals send nothing upstream", () => {
  const cases: [string, () => Promise<Request>, number, string?][] = [
    [
      "a forged token (signed with another secret)",
      async () => post({ token: await token({ secret: "not-our-secret-0123456789abcdefghijkl" }), feedbackTypeId: 3, feedback: { flag: true } }),
      401,
    ],
    ["a made-up token", async () => post({ token: "v1.eyJjIjoiY21wbC1yb3V0ZSJ9.AAAA", feedbackTypeId: 3, feedback: { flag: true } }), 401],
    ["no token", async () => post({ feedbackTypeId: 3, feedback: { flag: true } }), 401],
    ["a token over 2048 characters", async () => post({ token: `v1.${"A".repeat(2100)}.x`, feedbackTypeId: 3, feedback: { flag: true } }), 401],
    [
      "a token for another feedback type",
      async () => post({ token: await token({ feedbackTypeIds: [4] }), feedbackTypeId: 3, feedback: { flag: true } }),
      403,
      "token_scope",
    ],
    [
      "a token for another completion",
      async () => post({ token: await token({ completionId: "cmpl-a" }), completionId: "cmpl-b", feedbackTypeId: 3, feedback: { flag: true } }),
      403,
      "token_scope",
    ],
    ["an oversized body (Content-Length)", async () => post({ token: await token(), feedbackTypeId: 3, feedback: { comment: "x".repeat(5000) } }), 413],
    [
      "an oversized body (streamed, no Content-Length)",
      async () => {
        const t = await token();
        const chunk = new TextEncoder().encode(JSON.stringify({ token: t, feedbackTypeId: 3, feedback: { comment: "x".repeat(3000) } }));
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(ctl) {
            if (sent++ < 3) ctl.enqueue(chunk);
            else ctl.close();
          },
        });
        return new Request("http://127.0.0.1:8787/api/feedback", {
          method: "POST",
          headers: { "content-type": "application/json", origin: PAGE },
          body,
          duplex: "half",
        } as RequestInit);
      },
      413,
    ],
    ["a wrong content type (form)", async () => post(undefined, { headers: { "content-type": "application/x-www-form-urlencoded" }, raw: "token=x" }), 415],
    ["a wrong content type (text/plain, a simple CORS request)", async () => post(undefined, { headers: { "content-type": "text/plain" }, raw: "{}" }), 415],
    ["malformed JSON", async () => post(undefined, { raw: '{"token": "v1.' }), 400],
    ["a JSON array", async () => post([1, 2]), 400],
    ["invalid UTF-8", async () => post(undefined, { raw: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]) }), 400],
    ["a wrong method (GET)", async () => post(undefined, { method: "GET" }), 405],
    ["a wrong method (PUT)", async () => post({ token: await token(), feedbackTypeId: 3, feedback: { flag: true } }, { method: "PUT" }), 405],
    ["an unknown field", async () => post({ token: await token(), feedbackTypeId: 3, feedback: { flag: true }, apiKey: "x" }), 400],
    [
      "feedback the spec refuses (tag over 120 characters)",
      async () => post({ token: await token(), feedbackTypeId: 3, feedback: { tag: "x".repeat(121) } }),
      400,
    ],
    ["feedback with a server-set field", async () => post({ token: await token(), feedbackTypeId: 3, feedback: { display_value: true } }), 400],
    ["a feedbackTypeId that is not an integer", async () => post({ token: await token(), feedbackTypeId: "3", feedback: { flag: true } }), 400],
    [
      "a page on an origin not allowed",
      async () => post({ token: await token(), feedbackTypeId: 3, feedback: { flag: true } }, { headers: { origin: "https://evil.example" } }),
      403,
    ],
  ];
  it.each(cases.map(([name, make, status, code]) => ({ name, make, status, code })))("$name → $status", async ({ make, status, code }) => {
    const { handler, upstream } = setUp();
    const res = await read(await handler(await make()));
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.json).toMatchObject({ type: "about:blank", status });
    if (code) expect(res.json.code).toBe(code);
    expect(upstream).toHaveLength(0);
    if (status === 405) expect(res.headers.get("allow")).toBe("POST, OPTIONS");
  });

  it("an expired token → 401 token_expired, nothing sent", async () => {
    const { handler, upstream } = setUp();
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-11-30T12:00:00Z"));
    const t = await token({ expiresInSeconds: 60 });
    vi.setSystemTime(new Date("2026-11-30T12:00:59Z"));
    expect((await handler(post({ token: t, feedbackTypeId: 3, feedback: { flag: true } }))).status).toBe(204);
    vi.setSystemTime(new Date("2026-11-30T12:01:00Z"));
    const res = await read(await handler(post({ token: t, feedbackTypeId: 3, feedback: { flag: true } })));
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ title: "The feedback token has expired", code: "token_expired" });
    expect(upstream).toHaveLength(1);
  });

  it("a token replayed beyond maxUses → 403 token_used_up, nothing more sent", async () => {
    const { handler, upstream } = setUp();
    const t = await token({ maxUses: 2 });
    const send = () => handler(post({ token: t, feedbackTypeId: 3, feedback: { flag: true } }));
    expect((await send()).status).toBe(204);
    expect((await send()).status).toBe(204);
    const third = await read(await send());
    expect(third.status).toBe(403);
    expect(third.json.code).toBe("token_used_up");
    expect(upstream).toHaveLength(2);
    // Another token with the same scope has its own count.
    expect((await handler(post({ token: await token({ maxUses: 2 }), feedbackTypeId: 3, feedback: { flag: true } }))).status).toBe(204);
  });

  it("concurrent replays of a maxUses token are counted atomically", async () => {
    const { handler, upstream } = setUp();
    const t = await token({ maxUses: 3 });
    const all = await Promise.all(Array.from({ length: 10 }, () => handler(post({ token: t, feedbackTypeId: 3, feedback: { flag: true } }))));
    expect(all.map((r) => r.status).sort()).toEqual([204, 204, 204, 403, 403, 403, 403, 403, 403, 403]);
    expect(upstream).toHaveLength(3);
  });

  it("a failing uses store refuses with 503 (fails closed), nothing sent", async () => {
    const { handler, upstream } = setUp({
      handler: {
        usesStore: {
          add: () => {
            throw new Error("redis down");
          },
        },
      },
    });
    const res = await handler(post({ token: await token({ maxUses: 1 }), feedbackTypeId: 3, feedback: { flag: true } }));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(upstream).toHaveLength(0);
  });
});

describe("CORS", () => {
  const preflight = (origin: string, method = "POST") =>
    new Request("http://127.0.0.1:8787/api/feedback", {
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": method, "access-control-request-headers": "content-type" },
    });

  it("answers a preflight from an allowed origin: POST, Content-Type, cached 10 minutes", async () => {
    const { handler, upstream } = setUp();
    const res = await handler(preflight(PAGE));
    expect(res.status).toBe(204);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      "access-control-allow-origin": PAGE,
      "access-control-allow-methods": "POST",
      "access-control-allow-headers": "Content-Type",
      "access-control-max-age": "600",
      vary: "Origin",
    });
    expect(upstream).toHaveLength(0);
  });

  it("refuses a preflight from another origin or for another method, without allow headers", async () => {
    const { handler } = setUp();
    const other = await handler(preflight("https://evil.example"));
    expect(other.status).toBe(403);
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
    expect((await handler(preflight(PAGE, "DELETE"))).status).toBe(405);
    // No allowedOrigins: same-origin pages only, so no preflight is ever allowed.
    const sameOrigin = createFeedbackHandler({ secret: SECRET, client: createParadigmClient({ apiKey: KEY, baseUrl: prismUrl }) });
    const res = await sameOrigin(preflight(PAGE));
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("exposes Retry-After to the page", async () => {
    const { handler } = setUp({ replies: [{ status: 429, headers: { "retry-after": "7" } }] });
    const res = await handler(post({ token: await token(), feedbackTypeId: 3, feedback: { flag: true } }));
    expect(res.headers.get("access-control-expose-headers")).toBe("Retry-After");
    expect(res.headers.get("access-control-allow-origin")).toBe(PAGE);
  });
});

describe("upstream failures", () => {
  it.each([
    ["429 with Retry-After: 7", "7", { status: 429, headers: { "retry-after": "7" } }],
    ["429 with retry-after-ms: 1500", "2", { status: 429, headers: { "retry-after-ms": "1500" } }],
    ["503 with Retry-After: 30", "30", { status: 503, headers: { "retry-after": "30" } }],
    ["503 without Retry-After", "5", { status: 503 }],
    ["429 asking for a day", "3600", { status: 429, headers: { "retry-after": "86400" } }],
  ])("upstream %s → 503 with Retry-After %s, one attempt", async (_name, after, reply) => {
    const { handler, upstream } = setUp({ replies: [reply] });
    const res = await read(await handler(post({ token: await token(), feedbackTypeId: 3, feedback: { flag: true } })));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe(after);
    expect(upstream).toHaveLength(1);
  });

  it("a 429 gives the maxUses use back, so the browser's retry goes through", async () => {
    const { handler, upstream } = setUp({ replies: [{ status: 429, headers: { "retry-after": "1" } }] });
    const t = await token({ maxUses: 1 });
    expect((await handler(post({ token: t, feedbackTypeId: 3, feedback: { flag: true } }))).status).toBe(503);
    expect((await handler(post({ token: t, feedbackTypeId: 3, feedback: { flag: true } }))).status).toBe(204);
    expect((await handler(post({ token: t, feedbackTypeId: 3, feedback: { flag: true } }))).status).toBe(403);
    expect(upstream).toHaveLength(2);
  });

  it("an upstream answer that may have logged the feedback keeps the use and says delivery is unknown", async () => {
    for (const reply of [{ status: 503 }, { status: 500 }, { status: 504 }]) {
      const { handler, upstream } = setUp({ replies: [reply] });
      const t = await token({ maxUses: 1 });
      const res = await read(await handler(post({ token: t, feedbackTypeId: 3, feedback: { flag: true } })));
      expect(res.status, String(reply.status)).toBe(reply.status === 503 ? 503 : 502);
      expect(res.json, String(reply.status)).toMatchObject({ code: "delivery_unknown" });
      // The use is not given back: a retry of a feedback the server may have logged would log it twice.
      expect((await handler(post({ token: t, feedbackTypeId: 3, feedback: { flag: true } }))).status).toBe(403);
      expect(upstream).toHaveLength(1);
    }
  });

  it("a 408 (the server never got the whole request) is safe to retry: 503 and the use given back", async () => {
    const { handler, upstream } = setUp({ replies: [{ status: 408 }] });
    const t = await token({ maxUses: 1 });
    const res = await handler(post({ token: t, feedbackTypeId: 3, feedback: { flag: true } }));
    expect(res.status).toBe(503);
    expect((await handler(post({ token: t, feedbackTypeId: 3, feedback: { flag: true } }))).status).toBe(204);
    expect(upstream).toHaveLength(2);
  });

  it("other upstream errors → 502, and no answer carries the key, upstream text or a stack", async () => {
    const leaky = (status: number) => ({
      status,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ detail: `upstream-secret-detail Bearer ${KEY}`, trace: "Traceback (most recent call last)" }),
    });
    for (const reply of [leaky(400), leaky(401), leaky(404), leaky(500), leaky(502), { status: 500, body: `<html><title>${KEY}</title></html>` }]) {
      const { handler } = setUp({ replies: [reply] });
      const res = await read(await handler(post({ token: await token(), feedbackTypeId: 3, feedback: { flag: true } })));
      expect(res.status).toBe(502);
      expect(res.json).toEqual(
        reply.status >= 500
          ? { type: "about:blank", title: "The feedback may have been logged; do not send it again", status: 502, code: "delivery_unknown" }
          : { type: "about:blank", title: "The feedback could not be logged", status: 502 },
      );
      const everything = res.text + JSON.stringify([...res.headers]);
      for (const secret of [KEY, "upstream-secret-detail", "Traceback", "at ", SECRET]) expect(everything).not.toContain(secret);
    }
  });

  it("no answer, accepted or refused, contains the API key or the secret", async () => {
    const answers: string[] = [];
    const collect = async (res: Response) => void answers.push(`${res.status} ${JSON.stringify([...res.headers])} ${await res.text()}`);
    const ok = setUp();
    await collect(await ok.handler(post({ token: await token(), feedbackTypeId: 3, feedback: { flag: true } })));
    await collect(await ok.handler(post({ token: "garbage", feedbackTypeId: 3, feedback: { flag: true } })));
    await collect(await ok.handler(post({ token: await token(), feedbackTypeId: 3, feedback: { tag: KEY.repeat(5) } })));
    const limited = setUp({ replies: [{ status: 429, body: KEY }] });
    await collect(await limited.handler(post({ token: await token(), feedbackTypeId: 3, feedback: { flag: true } })));
    expect(answers).toHaveLength(4);
    for (const a of answers) {
      expect(a).not.toContain(KEY);
      expect(a).not.toContain(SECRET);
    }
  });
});

describe("options", () => {
  const client = () => createParadigmClient({ apiKey: KEY, baseUrl: prismUrl });
  it("refuses bad options with ParadigmConfigError, naming no secret", () => {
    expect(() => createFeedbackHandler({ secret: "short", client: client() })).toThrow(/at least 32/);
    expect(() => createFeedbackHandler({ secret: SECRET } as FeedbackHandlerOptions)).toThrow(/exactly one of `client`/);
    expect(() => createFeedbackHandler({ secret: SECRET, client: client(), maxBodyBytes: 0 })).toThrow(/maxBodyBytes/);
    expect(() => createFeedbackHandler({ secret: SECRET, client: client(), allowedOrigins: ["*"] })).toThrow(/not an origin/);
    expect(() => createFeedbackHandler({ secret: SECRET, client: client(), allowedOrigins: ["https://a.example/path"] })).toThrow(/not an origin/);
    expect(() => createFeedbackHandler({ secret: [SECRET, "short"], client: client() })).toThrow(/secret\[1\] is 5 characters/);
  });

  it("memoryUsesStore counts per id and forgets expired tokens", () => {
    const store = memoryUsesStore();
    expect(store.add("a", Date.now() + 1000)).toBe(1);
    expect(store.add("a", Date.now() + 1000)).toBe(2);
    expect(store.add("b", Date.now() + 1000)).toBe(1);
    store.remove?.("a");
    expect(store.add("a", Date.now() + 1000)).toBe(2);
  });
});

describe("node:http adapter", () => {
  it("toNodeListener serves the handler on node:http: preflight, 204, 413 on a streamed oversized body", async () => {
    const { handler, upstream } = setUp();
    const server = createServer(toNodeListener(handler));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/feedback`;
    try {
      const pre = await fetch(url, { method: "OPTIONS", headers: { origin: PAGE, "access-control-request-method": "POST" } });
      expect(pre.status).toBe(204);
      expect(pre.headers.get("access-control-allow-origin")).toBe(PAGE);
      const ok = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", origin: PAGE },
        body: JSON.stringify({ token: await token(), feedbackTypeId: 3, feedback: { flag: true } }),
      });
      expect(ok.status).toBe(204);
      const big = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", origin: PAGE },
        body: new ReadableStream({
          start(ctl) {
            ctl.enqueue(new TextEncoder().encode(`{"token":"${"x".repeat(10_000)}"}`));
            ctl.close();
          },
        }),
        duplex: "half",
      } as RequestInit);
      expect(big.status).toBe(413);
      expect((await fetch(url)).status).toBe(405);
      expect(upstream).toHaveLength(1);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
