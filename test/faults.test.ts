// The request chain against a scripted fault-injection server (test/fault-server.ts). Each scenario asserts the
// error class, the message, how many requests the server saw, and the backoff delays (recorded through the
// `sleep` option instead of waiting). Nothing here waits on a real backoff.
import { afterEach, describe, expect, it } from "vitest";
import { createApi } from "../src/api/index.ts";
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  createParadigmClient,
  InternalServerError,
  NotFoundError,
  ParadigmAbortError,
  ParadigmAPIError,
  type ParadigmClientOptions,
  ParadigmConnectionError,
  ParadigmError,
  ParadigmTimeoutError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from "../src/client/index.ts";
import {
  closedPort,
  closeWithoutAnswer,
  type FaultServer,
  hang,
  reply,
  resetBeforeResponse,
  resetMidBody,
  type Step,
  slowBody,
  startFaultServer,
} from "./fault-server.ts";

const KEY = "sk-fault-test-0123456789";
const servers: FaultServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A fault server running `script`, and a client whose `sleep` records each backoff delay and returns at once. */
async function scenario(script: Step[], options: ParadigmClientOptions = {}) {
  const server = await startFaultServer(script);
  servers.push(server);
  const delays: number[] = [];
  const client = createParadigmClient({
    apiKey: KEY,
    baseUrl: server.url,
    sleep: async (ms) => {
      delays.push(ms);
    },
    ...options,
  });
  const rate = (opts?: Parameters<typeof client.rate>[3]) => client.rate(3, "cmpl-1", { flag: true, tag: "t" }, opts);
  return { server, delays, client, rate };
}

const failure = (p: Promise<unknown>): Promise<ParadigmError> =>
  p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e as ParadigmError,
  );

const DRF_500 = { detail: "A server error occurred." };
const NGINX_502 =
  "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";
const DJANGO_500 =
  '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Server Error (500)</title><style>body{color:red}</style></head><body><h1>Server Error (500)</h1><p></p></body></html>';

describe("ambiguous failures: surfaced, not retried by default (the server may have logged the feedback)", () => {
  it.each([
    [500, reply(500, DRF_500), /^500 Internal Server Error: A server error occurred\.$/],
    [502, reply(502, NGINX_502, { "content-type": "text/html" }), /^502 Bad Gateway$/],
    [503, reply(503, "Service Unavailable", { "content-type": "text/plain" }), /^503 Service Unavailable$/],
    [504, reply(504, { detail: "upstream timed out" }), /^504 Gateway Timeout: upstream timed out$/],
  ])("a %i is an InternalServerError with deliveryUnknown, after exactly one request", async (status, step, message) => {
    const { server, delays, rate } = await scenario([step]);
    const err = await failure(rate());
    expect(err).toBeInstanceOf(InternalServerError);
    expect(err).toMatchObject({ status, deliveryUnknown: true });
    expect(err.message).toMatch(message);
    expect(server.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("retries a 500 only when retryUnknownDelivery is on, with exponential backoff and jitter", async () => {
    const { server, delays, rate } = await scenario([reply(500, DRF_500)], { retryUnknownDelivery: true });
    const err = await failure(rate());
    expect(err).toBeInstanceOf(InternalServerError);
    expect(server.requests).toHaveLength(3); // 1 + maxRetries (2)
    expect(delays).toHaveLength(2);
    expect(delays[0]).toBeGreaterThanOrEqual(375);
    expect(delays[0]).toBeLessThanOrEqual(500);
    expect(delays[1]).toBeGreaterThanOrEqual(750);
    expect(delays[1]).toBeLessThanOrEqual(1000);
  });

  it("lets one call opt in to retrying unknown delivery, then succeeds", async () => {
    const { server, rate } = await scenario([reply(502, NGINX_502), reply(200)]);
    await expect(rate({ retryUnknownDelivery: true })).resolves.toMatchObject({ status: 200, attempts: 2 });
    expect(server.requests).toHaveLength(2);
  });

  it("keeps a Django HTML 500 page readable: the title, without markup or CSS", async () => {
    const { rate } = await scenario([reply(500, DJANGO_500, { "content-type": "text/html; charset=utf-8" })]);
    const err = (await failure(rate())) as InternalServerError;
    expect(err.message).toBe("500 Internal Server Error: Server Error (500)");
    expect(err.body).toBe(DJANGO_500);
  });

  it("does not choke on malformed JSON: the raw text becomes the message and the body", async () => {
    const { server, rate } = await scenario([reply(500, '{"detail": "boom', { "content-type": "application/json" })]);
    const err = (await failure(rate())) as InternalServerError;
    expect(err).toBeInstanceOf(InternalServerError);
    expect(err.message).toBe('500 Internal Server Error: {"detail": "boom');
    expect(err.body).toBe('{"detail": "boom');
    expect(server.requests).toHaveLength(1);
  });
});

describe("503 and 429: the server says the request was not processed, so retrying is safe", () => {
  it("retries a 503 with Retry-After after the server's delay, then resolves", async () => {
    const { server, delays, rate } = await scenario([reply(503, "", { "retry-after": "2" }), reply(200)]);
    await expect(rate()).resolves.toMatchObject({ status: 200, attempts: 2 });
    expect(server.requests).toHaveLength(2);
    expect(delays).toEqual([2000]);
  });

  it("gives up on a 503 with Retry-After after maxRetries, with deliveryUnknown false", async () => {
    const { server, delays, rate } = await scenario([reply(503, { detail: "Maintenance" }, { "retry-after": "1" })]);
    const err = await failure(rate());
    expect(err).toBeInstanceOf(InternalServerError);
    expect(err).toMatchObject({ status: 503, deliveryUnknown: false });
    expect(err.message).toBe("503 Service Unavailable: Maintenance");
    expect(server.requests).toHaveLength(3);
    expect(delays).toEqual([1000, 1000]);
  });

  it("retries a 429 after Retry-After in seconds", async () => {
    const { server, delays, rate } = await scenario([reply(429, { detail: "Request was throttled." }, { "retry-after": "3" }), reply(201)]);
    await expect(rate()).resolves.toMatchObject({ status: 201, attempts: 2 });
    expect(server.requests).toHaveLength(2);
    expect(delays).toEqual([3000]);
  });

  it("retries a 429 after Retry-After given as an HTTP date", async () => {
    const at = new Date(Date.now() + 10_000).toUTCString(); // second resolution: 9–10 s from now
    const { server, delays, rate } = await scenario([reply(429, "", { "retry-after": at }), reply(200)]);
    await expect(rate()).resolves.toMatchObject({ attempts: 2 });
    expect(server.requests).toHaveLength(2);
    expect(delays).toHaveLength(1);
    expect(delays[0]).toBeGreaterThan(5000); // generous: the machine is slow and shared
    expect(delays[0]).toBeLessThanOrEqual(10_000);
  });

  it("treats an HTTP date in the past as 'now'", async () => {
    const { delays, rate } = await scenario([reply(429, "", { "retry-after": "Wed, 21 Oct 2015 07:28:00 GMT" }), reply(200)]);
    await rate();
    expect(delays).toEqual([0]);
  });

  it("prefers retry-after-ms over Retry-After", async () => {
    const { delays, rate } = await scenario([reply(429, "", { "retry-after-ms": "1500", "retry-after": "9" }), reply(200)]);
    await rate();
    expect(delays).toEqual([1500]);
  });

  it("caps the server's delay at maxRetryDelayMs", async () => {
    const { delays, rate } = await scenario([reply(429, "", { "retry-after": "3600" }), reply(200)], { maxRetryDelayMs: 5000 });
    await rate();
    expect(delays).toEqual([5000]);
  });

  it("backs off exponentially with jitter when a 429 gives no delay, capped at 8 s", async () => {
    const { server, delays, rate } = await scenario([reply(429, { detail: "slow down" })], { maxRetries: 5 });
    const err = (await failure(rate())) as RateLimitError;
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err.retryAfter).toBeUndefined();
    expect(server.requests).toHaveLength(6);
    const bounds = [500, 1000, 2000, 4000, 8000];
    expect(delays).toHaveLength(5);
    delays.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual((bounds[i] as number) * 0.75);
      expect(d).toBeLessThanOrEqual(bounds[i] as number);
    });
  });

  it("surfaces the last 429 as a RateLimitError with retryAfter once retries are used up", async () => {
    const { server, delays, rate } = await scenario([
      reply(429, { detail: "Request was throttled. Expected available in 7 seconds." }, { "retry-after": "7" }),
    ]);
    const err = (await failure(rate())) as RateLimitError;
    expect(err).toBeInstanceOf(RateLimitError);
    expect(err).toMatchObject({ status: 429, retryAfter: 7000, deliveryUnknown: false });
    expect(err.message).toBe("429 Too Many Requests: Request was throttled. Expected available in 7 seconds.");
    expect(server.requests).toHaveLength(3);
    expect(delays).toEqual([7000, 7000]);
  });

  it.each([
    ["per call maxRetries 0", {}, { maxRetries: 0 }, 1],
    ["client maxRetries 4", { maxRetries: 4 }, {}, 5],
    ["per call maxRetries 1 over client maxRetries 4", { maxRetries: 4 }, { maxRetries: 1 }, 2],
  ])("honours %s", async (_, clientOpts, callOpts, expected) => {
    const { server, delays, rate } = await scenario([reply(429, "", { "retry-after": "0" })], clientOpts);
    await expect(rate(callOpts)).rejects.toBeInstanceOf(RateLimitError);
    expect(server.requests).toHaveLength(expected);
    expect(delays).toHaveLength(expected - 1);
  });
});

describe("connection failures", () => {
  it("retries a refused connection (nothing was sent) and then reports ECONNREFUSED with deliveryUnknown false", async () => {
    const port = await closedPort();
    const delays: number[] = [];
    const client = createParadigmClient({ apiKey: KEY, baseUrl: `http://127.0.0.1:${port}`, sleep: async (ms) => void delays.push(ms) });
    const err = await failure(client.rate(3, "c", { flag: true }));
    expect(err).toBeInstanceOf(ParadigmConnectionError);
    expect(err.deliveryUnknown).toBe(false);
    expect(err.message).toMatch(/^Connection failed \(ECONNREFUSED\): connect ECONNREFUSED 127\.0\.0\.1:\d+\. The request was not sent\.$/);
    expect(err.cause).toBeInstanceOf(TypeError); // undici's "fetch failed", kept as is
    expect(delays).toHaveLength(2);
  });

  it("succeeds when the server comes up while the client waits to retry a refused connection", async () => {
    const port = await closedPort();
    let server: FaultServer | undefined;
    const client = createParadigmClient({
      apiKey: KEY,
      baseUrl: `http://127.0.0.1:${port}`,
      sleep: async () => {
        server ??= await startFaultServer([reply(200)], port);
        servers.push(server);
      },
    });
    await expect(client.rate(3, "c", { flag: true })).resolves.toMatchObject({ status: 200, attempts: 2 });
    expect(server?.requests).toHaveLength(1);
  });

  it.each([
    [
      "a reset (RST) before the response",
      resetBeforeResponse,
      /^Connection failed \(ECONNRESET\): read ECONNRESET\. The server may have received the request\.$/,
    ],
    ["a close without an answer", closeWithoutAnswer, /^Connection failed \(UND_ERR_SOCKET\): other side closed\. The server may have received the request\.$/],
    ["a reset in the middle of the body", resetMidBody, /^Connection failed \((ECONNRESET|UND_ERR_SOCKET)\): .*The server may have received the request\.$/],
  ])("%s is a ParadigmConnectionError with deliveryUnknown, not retried", async (_, step, message) => {
    const { server, delays, rate } = await scenario([step, reply(200)]);
    const err = await failure(rate());
    expect(err).toBeInstanceOf(ParadigmConnectionError);
    expect(err.deliveryUnknown).toBe(true);
    expect(err.message).toMatch(message);
    expect(err.cause).toBeInstanceOf(TypeError);
    expect(server.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  it("retries a reset before the response when retryUnknownDelivery is on", async () => {
    const { server, delays, rate } = await scenario([resetBeforeResponse, reply(200)], { retryUnknownDelivery: true });
    await expect(rate()).resolves.toMatchObject({ status: 200, attempts: 2 });
    expect(server.requests).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });

  it("classifies any failure of the connect syscall as not sent (retried)", async () => {
    let calls = 0;
    const client = createParadigmClient({
      apiKey: KEY,
      sleep: async () => {},
      fetch: async () => {
        calls++;
        throw new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNRESET 10.0.0.1:443"), { code: "ECONNRESET", syscall: "connect" }) });
      },
    });
    const err = await failure(client.rate(3, "c", {}));
    expect(err).toMatchObject({ name: "ParadigmConnectionError", deliveryUnknown: false });
    expect(calls).toBe(3);
  });
});

describe("timeouts: a hung server cannot hang rate() past timeoutMs", () => {
  it("times out a server that never answers, after one request, with deliveryUnknown", async () => {
    const { server, delays, rate } = await scenario([hang]);
    const started = Date.now();
    const err = await failure(rate({ timeoutMs: 300 }));
    expect(err).toBeInstanceOf(ParadigmTimeoutError);
    expect(err.deliveryUnknown).toBe(true);
    expect(err.message).toBe("No complete response within 300 ms (attempt 1). The server may have received the request.");
    expect(err.cause).toMatchObject({ name: "TimeoutError" });
    expect(Date.now() - started).toBeLessThan(10_000); // generous: the point is "bounded", not "fast"
    expect(server.requests).toHaveLength(1);
    expect(delays).toEqual([]);
  });

  // No socket is abandoned: a timed-out attempt is aborted, so its connection closes rather than staying open
  // (a hung request's socket is never idle, so no pool timeout would ever reclaim it).
  it.each([
    ["never answers", (_req: Parameters<Step>[0], _res: Parameters<Step>[1]) => {}],
    ["trickles its body", slowBody(["a", "b", "c", "d", "e"], 400)],
  ] as const)("closes the connection of a timed-out attempt: the server sees it close (server %s)", async (_what, step) => {
    let closedAt = 0;
    const { rate } = await scenario([
      (req, res) => {
        req.socket.once("close", () => {
          closedAt = Date.now();
        });
        step(req, res);
      },
    ]);
    const err = await failure(rate({ timeoutMs: 200, maxRetries: 0 }));
    expect(err).toBeInstanceOf(ParadigmTimeoutError);
    const timedOutAt = Date.now();
    // Closed by the abort, at once; the 2 s bound only allows for a loaded machine.
    while (!closedAt && Date.now() - timedOutAt < 3000) await new Promise((r) => setTimeout(r, 20));
    expect(closedAt, "the server still holds the timed-out connection open").toBeGreaterThan(0);
    expect(closedAt - timedOutAt).toBeLessThan(2000);
  });

  it("times out even with a fetch that ignores its signal", async () => {
    const client = createParadigmClient({ apiKey: KEY, timeoutMs: 200, fetch: () => new Promise<Response>(() => {}) });
    await expect(client.rate(3, "c", {})).rejects.toBeInstanceOf(ParadigmTimeoutError);
  });

  it("counts the body in the timeout: a 200 whose body trickles in too slowly times out", async () => {
    const { server, rate } = await scenario([slowBody(["a", "b", "c", "d", "e"], 400)]);
    const err = await failure(rate({ timeoutMs: 250 }));
    expect(err).toBeInstanceOf(ParadigmTimeoutError);
    expect(err.deliveryUnknown).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it("accepts a slow body that completes within the timeout", async () => {
    const { rate } = await scenario([slowBody(["a", "b", "c"], 30)]);
    await expect(rate({ timeoutMs: 10_000 })).resolves.toMatchObject({ status: 200 });
  });

  it("retries a timeout only when retryUnknownDelivery is on, with a fresh timeout per attempt", async () => {
    const { server, delays, rate } = await scenario([hang, reply(200)]);
    await expect(rate({ timeoutMs: 300, retryUnknownDelivery: true })).resolves.toMatchObject({ attempts: 2 });
    expect(server.requests).toHaveLength(2);
    expect(delays).toHaveLength(1);
  });

  it("keeps deliveryUnknown once an attempt may have been delivered, whatever a later attempt says", async () => {
    // Attempt 1 times out (may have been logged), attempt 2 is refused with a 400: the call as a whole is unknown.
    const { server, rate } = await scenario([hang, reply(400, { tag: ["bad"] })]);
    const err = await failure(rate({ timeoutMs: 300, retryUnknownDelivery: true }));
    expect(err.name).toBe("BadRequestError");
    expect(err.deliveryUnknown).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it("an abort while waiting to retry after an unknown attempt says delivery is unknown", async () => {
    const ctrl = new AbortController();
    const { server, client } = await scenario([hang, reply(200)], {
      sleep: async () => {
        ctrl.abort(new Error("stop"));
        throw new Error("stop");
      },
    });
    const err = await failure(client.rate(3, "cmpl-1", { flag: true }, { timeoutMs: 300, retryUnknownDelivery: true, signal: ctrl.signal }));
    expect(err).toBeInstanceOf(ParadigmAbortError);
    expect(err.deliveryUnknown).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])("refuses timeoutMs %s before sending", async (timeoutMs) => {
    const { server, rate } = await scenario([reply(200)]);
    await expect(rate({ timeoutMs })).rejects.toMatchObject({ name: "ParadigmConfigError", message: expect.stringMatching(/^timeoutMs must be/) });
    expect(server.requests).toHaveLength(0);
  });
});

describe("caller abort", () => {
  it("rejects with ParadigmAbortError, keeping the signal's reason as cause, while the request is in flight", async () => {
    const { server, rate } = await scenario([hang]);
    const ctrl = new AbortController();
    const reason = new Error("user navigated away");
    const p = failure(rate({ signal: ctrl.signal }));
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    ctrl.abort(reason);
    const err = await p;
    expect(err).toBeInstanceOf(ParadigmAbortError);
    expect(err.cause).toBe(reason);
    expect(server.requests).toHaveLength(1);
  });

  it("sends nothing when the signal is already aborted", async () => {
    const { server, rate } = await scenario([reply(200)]);
    const err = await failure(rate({ signal: AbortSignal.abort() }));
    expect(err).toBeInstanceOf(ParadigmAbortError);
    expect(err.deliveryUnknown).toBe(false);
    expect(server.requests).toHaveLength(0);
  });

  it("says delivery is unknown after the request was sent, as a timeout at the same point does", async () => {
    const { server, rate } = await scenario([hang]);
    const ctrl = new AbortController();
    const p = failure(rate({ signal: ctrl.signal }));
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    ctrl.abort();
    const aborted = await p;
    expect(aborted).toBeInstanceOf(ParadigmAbortError);
    expect(aborted.deliveryUnknown).toBe(true);
    expect(aborted.message).toMatch(/server may have received it/);
    const timedOut = await failure(rate({ timeoutMs: 50 }));
    expect(timedOut.deliveryUnknown).toBe(true);
  });

  it("says the call was not delivered when the abort comes during a wait to retry", async () => {
    const { server, rate } = await scenario([reply(429, "", { "retry-after": "30" })], {
      sleep: (_ms, signal) => new Promise((_, no) => signal?.addEventListener("abort", () => no(signal.reason))),
    });
    const ctrl = new AbortController();
    const p = failure(rate({ signal: ctrl.signal }));
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    await new Promise((r) => setTimeout(r, 20));
    ctrl.abort();
    const err = await p;
    expect(err.message).toBe("The call was aborted while waiting to retry.");
    expect(err.deliveryUnknown).toBe(false);
  });

  it("interrupts the real wait between retries (Retry-After: 30 s)", async () => {
    const server = await startFaultServer([reply(429, "", { "retry-after": "30" })]);
    servers.push(server);
    const client = createParadigmClient({ apiKey: KEY, baseUrl: server.url }); // default, real sleep
    const ctrl = new AbortController();
    const started = Date.now();
    const p = failure(client.rate(3, "c", {}, { signal: ctrl.signal }));
    while (server.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
    ctrl.abort();
    const err = await p;
    expect(err).toBeInstanceOf(ParadigmAbortError);
    expect(err.message).toMatch(/while waiting to retry|aborted by its signal/);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(server.requests).toHaveLength(1);
  });

  it("interrupts the wait even when a custom sleep ignores the signal", async () => {
    let entered: () => void = () => {};
    const sleeping = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const { server, rate } = await scenario([reply(429, "", { "retry-after": "30" })], {
      sleep: () => {
        entered();
        return new Promise<void>(() => {}); // never resolves, ignores the signal
      },
    });
    const ctrl = new AbortController();
    const p = failure(rate({ signal: ctrl.signal }));
    await sleeping;
    ctrl.abort();
    const err = await p;
    expect(err).toBeInstanceOf(ParadigmAbortError);
    expect(err.message).toBe("The call was aborted while waiting to retry.");
    expect(server.requests).toHaveLength(1);
  });
});

describe("bodies survive a retry byte for byte", () => {
  it.each(["application/json", "application/x-www-form-urlencoded", "multipart/form-data"] as const)("%s", async (mediaType) => {
    const { server, client } = await scenario([reply(429, "", { "retry-after": "0" }), reply(503, "", { "retry-after": "0" }), reply(200)]);
    const res = await client.rate(3, "c", { flag: true, value: 4.5, tag: "😀 é", comment: null }, { mediaType });
    expect(res.attempts).toBe(3);
    expect(server.requests).toHaveLength(3);
    // Multipart boundaries are random per attempt; the parts must be identical.
    const normalized = server.requests.map((r) => {
      const boundary = /boundary=(.+)$/.exec(r.headers["content-type"] ?? "")?.[1];
      return boundary ? r.body.split(boundary).join("BOUNDARY") : r.body;
    });
    expect(normalized[0]).toContain("4.5");
    expect(normalized[0]).toMatch(/%F0%9F%98%80|😀/);
    expect(new Set(normalized).size).toBe(1);
    expect(new Set(server.requests.map((r) => r.headers.authorization)).size).toBe(1);
  });

  it("replays createApi(client) bodies too", async () => {
    const { server, client } = await scenario([reply(503, "", { "retry-after": "0" }), reply(200)]);
    const { response } = await createApi(client).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
      params: { path: { feedback_type_id: 3, completion_id: "c" } },
      body: { value: 2 },
    });
    expect(response.status).toBe(200);
    expect(server.requests.map((r) => r.body)).toEqual(['{"value":2}', '{"value":2}']);
  });

  it("returns createApi(client)'s last non-2xx as `error` after the same retry policy", async () => {
    const { server, delays, client } = await scenario([reply(429, { detail: "throttled" }, { "retry-after": "1" })]);
    const { error, response } = await createApi(client).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
      params: { path: { feedback_type_id: 3, completion_id: "c" } },
      body: {},
    });
    expect(response.status).toBe(429);
    expect(error).toEqual({ detail: "throttled" });
    expect(server.requests).toHaveLength(3);
    expect(delays).toEqual([1000, 1000]);
  });
});

describe("HTTP errors: one class per family, message from the body", () => {
  it.each([
    [
      400,
      BadRequestError,
      { tag: ["Ensure this field has no more than 120 characters."] },
      "400 Bad Request: tag: Ensure this field has no more than 120 characters.",
    ],
    [401, AuthenticationError, { detail: "Invalid token." }, "401 Unauthorized: Invalid token."],
    [
      403,
      PermissionDeniedError,
      { detail: "You do not have permission to perform this action." },
      "403 Forbidden: You do not have permission to perform this action.",
    ],
    [404, NotFoundError, { detail: "Not found." }, "404 Not Found: Not found."],
    [409, ConflictError, { non_field_errors: ["Feedback already exists."] }, "409 Conflict: Feedback already exists."],
    [
      422,
      UnprocessableEntityError,
      { value: ["A valid number is required."], flag: ["Must be a valid boolean."] },
      "422 Unprocessable Entity: value: A valid number is required.; flag: Must be a valid boolean.",
    ],
    [418, ParadigmAPIError, "I'm a teapot", "418 I'm a Teapot: I'm a teapot"],
  ])("%i → %o", async (status, Class, body, message) => {
    const { server, rate } = await scenario([reply(status, body, { "x-request-id": "req-42" })]);
    const err = (await failure(rate())) as ParadigmAPIError;
    expect(err).toBeInstanceOf(Class);
    expect(err).toBeInstanceOf(ParadigmError);
    expect(err.message).toBe(message);
    expect(err).toMatchObject({ status, body, requestId: "req-42", deliveryUnknown: false });
    expect(err.headers.get("x-request-id")).toBe("req-42");
    expect(server.requests).toHaveLength(1);
  });

  it("reads nested DRF serializer errors with their field path", async () => {
    const { rate } = await scenario([reply(400, { feedback: { tag: ["Too long."] }, items: [{}, { value: ["Bad."] }] })]);
    expect((await failure(rate())).message).toBe("400 Bad Request: feedback.tag: Too long.; items.value: Bad.");
  });

  it("reads application/problem+json (title, detail)", async () => {
    const problem = { type: "about:blank", title: "Invalid request", status: 400, detail: "tag is too long" };
    const { rate } = await scenario([reply(400, JSON.stringify(problem), { "content-type": "application/problem+json" })]);
    const err = (await failure(rate())) as BadRequestError;
    expect(err.message).toBe("400 Bad Request: Invalid request — tag is too long");
    expect(err.body).toEqual(problem);
  });

  it("keeps an empty body as an empty string", async () => {
    const { rate } = await scenario([reply(404)]);
    const err = (await failure(rate())) as NotFoundError;
    expect(err.message).toBe("404 Not Found");
    expect(err.body).toBe("");
    expect(err.requestId).toBeUndefined();
  });
});
