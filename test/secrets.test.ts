// The API key never leaves the Authorization header: not in an error's message, cause chain, JSON.stringify,
// util.inspect, nor in any log line, whatever the fetch throws or the server echoes. And it is not sent over
// plain http to a remote host unless the caller opts in.
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { createApi } from "../src/api/index.ts";
import {
  createParadigmClient,
  type Logger,
  type ParadigmClientOptions,
  ParadigmConfigError,
  ParadigmConnectionError,
  ParadigmError,
} from "../src/client/index.ts";
import { type FaultServer, hang, reply, resetBeforeResponse, type Step, startFaultServer } from "./fault-server.ts";

const KEY = "sk-live-SECRET-4f9a1c2e7b";
const servers: FaultServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** Every way an error gets printed or shipped to a log collector. */
function renderings(err: unknown): string[] {
  const out = [String(err), JSON.stringify(err), inspect(err, { depth: Number.POSITIVE_INFINITY, showHidden: true })];
  for (let c: unknown = err, d = 0; c !== undefined && d < 10; c = (c as { cause?: unknown })?.cause, d++) {
    out.push(typeof c === "object" && c !== null ? `${(c as Error).message}\n${(c as Error).stack}\n${JSON.stringify(c)}` : String(c));
  }
  return out;
}

function expectNoKey(err: unknown): void {
  expect(err).toBeInstanceOf(ParadigmError);
  for (const text of renderings(err)) expect(text).not.toContain(KEY);
}

/** A logger that keeps every line and its data, rendered the way a log collector would. */
function capture(): { logger: Logger; text: () => string; lines: string[] } {
  const lines: string[] = [];
  const push = (m: string, ...data: unknown[]) => lines.push([m, ...data.map((d) => inspect(d, { depth: Number.POSITIVE_INFINITY }))].join(" "));
  return { logger: { error: push, warn: push, info: push, debug: push }, lines, text: () => lines.join("\n") };
}

const failing = (thrown: () => unknown, extra: ParadigmClientOptions = {}) => {
  const log = capture();
  const client = createParadigmClient({
    apiKey: KEY,
    logLevel: "debug",
    logger: log.logger,
    sleep: async () => {},
    fetch: async () => {
      throw thrown();
    },
    ...extra,
  });
  return { client, log };
};

describe("a fetch that throws the Authorization header back", () => {
  const AUTH = `Authorization: Bearer ${KEY}`;
  it.each<[string, () => unknown]>([
    ["in the message", () => new TypeError(`request failed with headers {${AUTH}}`)],
    ["in a nested cause", () => new TypeError("fetch failed", { cause: new Error(`socket error; sent ${AUTH}`) })],
    [
      "in a coded cause (the message is built from it)",
      () => new TypeError("fetch failed", { cause: Object.assign(new Error(`ECONNRESET ${AUTH}`), { code: "ECONNRESET" }) }),
    ],
    ["as a thrown string", () => `boom ${AUTH}`],
    ["in a custom property (axios-style config)", () => Object.assign(new Error("Network Error"), { config: { headers: { authorization: `Bearer ${KEY}` } } })],
    ["inside an AggregateError", () => new AggregateError([new Error(AUTH)], "all attempts failed")],
  ])("%s: the error and the logs hold no key", async (_, thrown) => {
    const { client, log } = failing(thrown);
    const err = await client.rate(3, "c", { flag: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmConnectionError);
    expectNoKey(err);
    expect(log.text()).not.toContain(KEY);
    expect(log.lines.length).toBeGreaterThan(0);
  });

  it("keeps the redacted text, so the cause still says what happened", async () => {
    const { client } = failing(() => new TypeError("fetch failed", { cause: Object.assign(new Error(`read ECONNRESET (${AUTH})`), { code: "ECONNRESET" }) }));
    const err = (await client.rate(3, "c", {}).catch((e: unknown) => e)) as ParadigmConnectionError;
    expect(err.message).toBe("Connection failed (ECONNRESET): read ECONNRESET (Authorization: Bearer [REDACTED]). The server may have received the request.");
    const inner = (err.cause as Error).cause as Error & { code?: string };
    expect(inner.message).toBe("read ECONNRESET (Authorization: Bearer [REDACTED])");
    expect(inner.code).toBe("ECONNRESET");
  });

  it("keeps a clean cause as the very object that was thrown", async () => {
    const thrown = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443"), { code: "ECONNREFUSED" }) });
    const { client } = failing(() => thrown, { maxRetries: 0 });
    const err = (await client.rate(3, "c", {}).catch((e: unknown) => e)) as ParadigmConnectionError;
    expect(err.cause).toBe(thrown);
  });
});

describe("a server that echoes the request", () => {
  const echo: Step = (req, res) => {
    res.writeHead(400, { "content-type": "application/json", "x-echo-authorization": String(req.headers.authorization) });
    res.end(JSON.stringify({ detail: `Bad token ${req.headers.authorization}`, headers: req.headers }));
  };

  it("cannot leak the key through the error's message, body or headers", async () => {
    const server = await startFaultServer([echo]);
    servers.push(server);
    const client = createParadigmClient({ apiKey: KEY, baseUrl: server.url });
    const err = await client.rate(3, "c", {}).catch((e: unknown) => e);
    expectNoKey(err);
    const e = err as ParadigmError & { body: { detail: string }; headers: Headers };
    expect(e.message).toBe("400 Bad Request: Bad token Bearer [REDACTED]");
    expect(e.body.detail).toBe("Bad token Bearer [REDACTED]");
    expect(e.headers.get("x-echo-authorization")).toBe("Bearer [REDACTED]");
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${KEY}`); // it was sent, just never kept
  });

  it("cannot leak the key through createApi(client)'s returned error, response body or headers either", async () => {
    const server = await startFaultServer([echo]);
    servers.push(server);
    const client = createParadigmClient({ apiKey: KEY, baseUrl: server.url });
    const { error, response } = await createApi(client).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
      params: { path: { feedback_type_id: 3, completion_id: "c" } },
      body: {},
    });
    expect(response.status).toBe(400);
    expect(JSON.stringify(error)).toContain("Bad token Bearer [REDACTED]");
    expect(JSON.stringify(error)).not.toContain(KEY);
    expect(response.headers.get("x-echo-authorization")).toBe("Bearer [REDACTED]");
    expect(response.url).toBe(`${server.url}/api/v2/rate/3/c`);
    expect(server.requests).toHaveLength(1);
  });
});

describe("every failure class, rendered every way", () => {
  it.each<[string, Step[], ParadigmClientOptions]>([
    ["401", [reply(401, { detail: "Invalid token." })], {}],
    ["429 after retries", [reply(429, "", { "retry-after": "0" })], {}],
    ["500 HTML", [reply(500, "<title>oops</title>", { "content-type": "text/html" })], {}],
    ["reset", [resetBeforeResponse], {}],
    ["timeout", [hang], { timeoutMs: 150 }],
  ])("%s", async (_, script, options) => {
    const server = await startFaultServer(script);
    servers.push(server);
    const log = capture();
    const client = createParadigmClient({ apiKey: KEY, baseUrl: server.url, logLevel: "debug", logger: log.logger, sleep: async () => {}, ...options });
    const err = await client.rate(3, "c", { flag: true }).catch((e: unknown) => e);
    expectNoKey(err);
    expect(log.text()).not.toContain(KEY);
  });
});

describe("debug logging", () => {
  it("logs each attempt with Authorization redacted, and the outcome", async () => {
    const server = await startFaultServer([reply(503, "", { "retry-after": "0" }), reply(200)]);
    servers.push(server);
    const log = capture();
    const client = createParadigmClient({ apiKey: KEY, baseUrl: server.url, logLevel: "debug", logger: log.logger, sleep: async () => {} });
    await client.rate(3, "c", { flag: true });
    expect(log.text()).not.toContain(KEY);
    expect(log.lines.filter((l) => l.includes("authorization: 'Bearer [REDACTED]'"))).toHaveLength(2);
    expect(log.lines.some((l) => /retrying POST .* in 0 ms after: 503/.test(l))).toBe(true);
    expect(log.lines.some((l) => l.endsWith("undefined"))).toBe(false);
  });

  it.each(["debug", "DEBUG"])("is turned on by PARADIGM_LOG=%s", async (value) => {
    const server = await startFaultServer([reply(200)]);
    servers.push(server);
    const saved = process.env.PARADIGM_LOG;
    process.env.PARADIGM_LOG = value;
    try {
      const log = capture();
      const client = createParadigmClient({ apiKey: KEY, baseUrl: server.url, logger: log.logger });
      await client.rate(3, "c", {});
      expect(log.lines.length).toBeGreaterThanOrEqual(2);
      expect(log.text()).toContain("Bearer [REDACTED]");
      expect(log.text()).not.toContain(KEY);
    } finally {
      if (saved === undefined) delete process.env.PARADIGM_LOG;
      else process.env.PARADIGM_LOG = saved;
    }
  });

  it("says nothing by default", async () => {
    const server = await startFaultServer([reply(500)]);
    servers.push(server);
    const log = capture();
    const client = createParadigmClient({ apiKey: KEY, baseUrl: server.url, logger: log.logger });
    await client.rate(3, "c", {}).catch(() => {});
    expect(log.lines).toEqual([]);
  });
});

describe("Authorization is set by the client alone", () => {
  it("ignores an Authorization header passed per client or per call, in any case, and never logs it", async () => {
    const server = await startFaultServer([reply(200)]);
    servers.push(server);
    const log = capture();
    const client = createParadigmClient({
      apiKey: KEY,
      baseUrl: server.url,
      headers: { AUTHORIZATION: "Bearer from-client-headers", "x-trace": "1" },
      logLevel: "debug",
      logger: log.logger,
    });
    await client.rate(3, "c", {}, { headers: { Authorization: "Bearer from-call-headers", "x-call": "2" } });
    const seen = server.requests[0]?.headers;
    expect(seen?.authorization).toBe(`Bearer ${KEY}`);
    expect(seen).toMatchObject({ "x-trace": "1", "x-call": "2" });
    expect(log.text()).not.toMatch(/from-(client|call)-headers|sk-live/);
  });
});

describe("plain http only to loopback, unless allowInsecureHttp", () => {
  const recorder = () => {
    const sent: string[] = [];
    const fetch = async (input: RequestInfo | URL) => {
      sent.push(String(input));
      return new Response(null, { status: 204 });
    };
    return { sent, fetch };
  };

  it.each(["http://paradigm.example", "http://10.0.0.5:8000", "http://[2001:db8::1]"])("refuses %s at creation, nothing sent", (baseUrl) => {
    const { sent, fetch } = recorder();
    const make = () => createParadigmClient({ apiKey: KEY, baseUrl, fetch });
    expect(make).toThrow(ParadigmConfigError);
    expect(make).toThrow(/^Refusing to send the API key over plain http to .*allowInsecureHttp: true/);
    expect(sent).toEqual([]);
  });

  it("refuses a per-request baseUrl override on createApi(client) to a remote http host", async () => {
    const { sent, fetch } = recorder();
    const client = createParadigmClient({ apiKey: KEY, baseUrl: "https://paradigm.example", fetch });
    const err = await createApi(client)
      .POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
        baseUrl: "http://evil.example",
        params: { path: { feedback_type_id: 1, completion_id: "c" } },
        body: {},
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmConfigError);
    expect(sent).toEqual([]);
  });

  it.each(["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9", "http://api.localhost:9"])("allows loopback %s", async (baseUrl) => {
    const { sent, fetch } = recorder();
    await createParadigmClient({ apiKey: KEY, baseUrl, fetch }).rate(3, "c", {});
    expect(sent).toHaveLength(1);
  });

  it("sends over remote http when the caller opts in", async () => {
    const { sent, fetch } = recorder();
    await createParadigmClient({ apiKey: KEY, baseUrl: "http://paradigm.internal", allowInsecureHttp: true, fetch }).rate(3, "c", {});
    expect(sent).toEqual(["http://paradigm.internal/api/v2/rate/3/c"]);
  });

  it("does not echo a malformed key in its error", () => {
    const bad = `${KEY}\n`;
    const err = (() => {
      try {
        createParadigmClient({ apiKey: bad, baseUrl: "https://paradigm.example" });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ParadigmConfigError);
    expectNoKey(err);
  });
});

describe("redaction hides the key where it can appear, and leaves other text alone", () => {
  const DRF_400 = { tag: ["This field may not be blank."], comment: ["Ensure this field has no more than 120 characters."] };
  const DRF_MESSAGE = "400 Bad Request: tag: This field may not be blank.; comment: Ensure this field has no more than 120 characters.";

  it.each(["k", "ank", "an", "is"])("with the short key %j, a DRF error keeps its words in the message, body and createApi(client)'s error", async (key) => {
    const server = await startFaultServer([reply(400, DRF_400)]);
    servers.push(server);
    const client = createParadigmClient({ apiKey: key, baseUrl: server.url });
    const err = (await client.rate(3, "c", { tag: "t" }).catch((e: unknown) => e)) as ParadigmError & { body: unknown };
    expect(err.message).toBe(DRF_MESSAGE);
    expect(err.body).toEqual(DRF_400);
    const { error } = await createApi(client).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
      params: { path: { feedback_type_id: 3, completion_id: "c" } },
      body: { tag: "t" },
    });
    expect(error).toEqual(DRF_400);
  });

  // A server echoing the key every way it plausibly can: after "Bearer", at the end of a sentence, as a JSON
  // string, in a URL query (raw and percent-encoded), after a JSON escape, in a header, with `/` escaped as `\/`.
  const echoing =
    (key: string): Step =>
    (_req, res) => {
      const body = {
        detail: `Invalid token Bearer ${key}.`,
        token: key,
        url: `https://x.example/cb?token=${encodeURIComponent(key)}&next=1`,
        raw: `https://x.example/cb?token=${key}&next=1`,
        note: `line one\n${key}`,
        headers: { authorization: `Bearer ${key}` },
        tag: ["This field may not be blank."],
      };
      res.writeHead(401, { "content-type": "application/json", "www-authenticate": `Bearer error="invalid_token", token="${key}"`, "x-echo": `Bearer ${key}` });
      res.end(JSON.stringify(body).replaceAll("/", "\\/")); // PHP-style escaped slashes
    };
  const REDACTED_BODY = {
    detail: "Invalid token Bearer [REDACTED].",
    token: "[REDACTED]",
    url: "https://x.example/cb?token=[REDACTED]&next=1",
    raw: "https://x.example/cb?token=[REDACTED]&next=1",
    note: "line one\n[REDACTED]",
    headers: { authorization: "Bearer [REDACTED]" },
    tag: ["This field may not be blank."],
  };

  it.each(["k", "ank", "sk-live-SECRET-4f9a1c2e7b", "sk/live+SECRET=4f9a1c2e7b", "a/b"])(
    "with the key %j echoed back, the error holds [REDACTED] in its place and nothing else changes",
    async (key) => {
      const server = await startFaultServer([echoing(key)]);
      servers.push(server);
      const client = createParadigmClient({ apiKey: key, baseUrl: server.url });
      const err = (await client.rate(3, "c", {}).catch((e: unknown) => e)) as ParadigmError & { body: unknown; headers: Headers };
      expect(err.body).toEqual(REDACTED_BODY);
      expect(err.message).toBe("401 Unauthorized: Invalid token Bearer [REDACTED].");
      expect(err.headers.get("x-echo")).toBe("Bearer [REDACTED]");
      expect(err.headers.get("www-authenticate")).toBe('Bearer error="invalid_token", token="[REDACTED]"');
      if (key.length > 3) for (const text of renderings(err)) expect(text).not.toContain(key);

      const { error, response } = await createApi(client).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
        params: { path: { feedback_type_id: 3, completion_id: "c" } },
        body: {},
      });
      expect(error).toEqual(REDACTED_BODY);
      expect(response.headers.get("x-echo")).toBe("Bearer [REDACTED]");
    },
  );

  it.each(["ank", "sk-live-SECRET-4f9a1c2e7b"])("finds the key %j spelled with JSON \\u escapes", async (key) => {
    const spelled = [...key].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("");
    const server = await startFaultServer([reply(401, `{"detail":"Invalid token Bearer ${spelled}"}`, { "content-type": "application/json" })]);
    servers.push(server);
    const client = createParadigmClient({ apiKey: key, baseUrl: server.url });
    const err = (await client.rate(3, "c", {}).catch((e: unknown) => e)) as ParadigmError & { body: unknown };
    expect(err.body).toEqual({ detail: "Invalid token Bearer [REDACTED]" });
    const { error } = await createApi(client).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
      params: { path: { feedback_type_id: 3, completion_id: "c" } },
      body: {},
    });
    expect(error).toEqual({ detail: "Invalid token Bearer [REDACTED]" });
  });

  it("with a short key, a fetch error that merely contains its letters keeps its cause as thrown", async () => {
    const thrown = new TypeError("fetch failed", { cause: Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:443 (blank)"), { code: "ECONNREFUSED" }) });
    const client = createParadigmClient({ apiKey: "ank", maxRetries: 0, fetch: async () => Promise.reject(thrown) });
    const err = (await client.rate(3, "c", {}).catch((e: unknown) => e)) as ParadigmConnectionError;
    expect(err.cause).toBe(thrown);
    expect(err.message).toBe("Connection failed (ECONNREFUSED): connect ECONNREFUSED 10.0.0.1:443 (blank). The request was not sent.");
  });
});
