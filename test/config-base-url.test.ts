// Base URLs as users paste them (credentials, a query, a fragment, a port fetch blocks) are configuration errors
// raised by createParadigmClient, with the credentials redacted and nothing sent. A request that fetch refuses to
// build is never reported as "delivery unknown".
import { afterEach, describe, expect, it } from "vitest";
import { createApi } from "../src/api/index.ts";
import { EXIT, main } from "../src/cli/index.ts";
import { createParadigmClient, ParadigmConfigError, ParadigmError } from "../src/client/index.ts";
import { type FaultServer, reply, startFaultServer } from "./fault-server.ts";

const KEY = "sk-config-test-5b2e8f1a9c";
const servers: FaultServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function server() {
  const s = await startFaultServer([reply(200)]);
  servers.push(s);
  return s;
}

/** A fetch that records every URL it is asked for, and answers 200. */
function recorder() {
  const sent: string[] = [];
  const fetch = async (input: RequestInfo | URL) => {
    sent.push(String(input instanceof Request ? input.url : input));
    return new Response(null, { status: 200 });
  };
  return { sent, fetch };
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

const PASSWORD = "hunter2-pw";

describe("base URLs with credentials", () => {
  it.each([
    [`http://user:${PASSWORD}@127.0.0.1:8000`, "http://***@127.0.0.1:8000"],
    [`https://user:${PASSWORD}@paradigm.example/prefix`, "https://***@paradigm.example/prefix"],
    [`https://:${PASSWORD}@paradigm.example`, "https://***@paradigm.example"],
    [`https://${PASSWORD}@paradigm.example`, "https://***@paradigm.example"],
  ])("refuses %s at creation, naming it as %s, nothing sent", (baseUrl, shown) => {
    const { sent, fetch } = recorder();
    const err = thrown(() => createParadigmClient({ apiKey: KEY, baseUrl, fetch }));
    expect(err).toBeInstanceOf(ParadigmConfigError);
    expect((err as Error).message).toContain(shown);
    expect((err as Error).message).toMatch(/credentials/);
    expect(String(err) + JSON.stringify(err)).not.toContain(PASSWORD);
    expect(sent).toEqual([]);
  });

  it("refuses them from PARADIGM_BASE_URL too", () => {
    const saved = process.env.PARADIGM_BASE_URL;
    process.env.PARADIGM_BASE_URL = `https://user:${PASSWORD}@paradigm.example`;
    try {
      const err = thrown(() => createParadigmClient({ apiKey: KEY }));
      expect(err).toBeInstanceOf(ParadigmConfigError);
      expect((err as Error).message).not.toContain(PASSWORD);
    } finally {
      if (saved === undefined) delete process.env.PARADIGM_BASE_URL;
      else process.env.PARADIGM_BASE_URL = saved;
    }
  });

  it.each([`http//user:${PASSWORD}@paradigm.example`, `ftp://user:${PASSWORD}@paradigm.example`, `user:${PASSWORD}@paradigm.example`])(
    "does not print the password of an unusable URL either (%s)",
    (baseUrl) => {
      const err = thrown(() => createParadigmClient({ apiKey: KEY, baseUrl }));
      expect(err).toBeInstanceOf(ParadigmConfigError);
      expect((err as Error).message).not.toContain(PASSWORD);
    },
  );

  it("is a configuration error in the CLI (exit 3), with the password nowhere in its output", async () => {
    const s = await server();
    let stdout = "";
    let stderr = "";
    const exit = await main(
      ["rate", "--type", "3", "--completion", "c", "--flag", "true", "--base-url", s.url.replace("http://", `http://user:${PASSWORD}@`)],
      {
        stdout: (t) => {
          stdout += t;
        },
        stderr: (t) => {
          stderr += t;
        },
        tty: false,
        env: { PARADIGM_API_KEY: KEY },
      },
    );
    expect(exit, stderr).toBe(EXIT.config[0]);
    expect(stderr).toContain("http://***@127.0.0.1:");
    expect(stdout + stderr).not.toContain(PASSWORD);
    expect(s.requests).toHaveLength(0);
  });
});

describe("base URLs with a query or a fragment", () => {
  it.each(["https://paradigm.example?x=1", "https://paradigm.example/prefix?x=1", "https://paradigm.example/#frag", "https://paradigm.example/?"])(
    "refuses %s at creation (the API path would land in the query or fragment), nothing sent",
    (baseUrl) => {
      const { sent, fetch } = recorder();
      const err = thrown(() => createParadigmClient({ apiKey: KEY, baseUrl, fetch }));
      expect(err).toBeInstanceOf(ParadigmConfigError);
      expect((err as Error).message).toMatch(/query|fragment/);
      expect(sent).toEqual([]);
    },
  );

  it.each([
    ["a query", `https://paradigm.example/?key=${KEY}`],
    ["a fragment", `https://paradigm.example/#${KEY}`],
    ["a query, in a URL that is not absolute", `paradigm.example/?key=${KEY}`],
  ])("never shows what follows ? or # (a key pasted there): %s", (_, baseUrl) => {
    const err = thrown(() => createParadigmClient({ apiKey: "other-key", baseUrl }));
    expect(err).toBeInstanceOf(ParadigmConfigError);
    expect((err as Error).message).toContain("paradigm.example/");
    expect((err as Error).message).not.toContain(KEY);
  });

  it("keeps a key pasted in the base URL's query out of the CLI's --json and stderr", async () => {
    let out = "";
    const write = (t: string) => {
      out += t;
    };
    const exit = await main(["rate", "--type", "3", "--completion", "c", "--flag", "true", "--json", "--base-url", `http://127.0.0.1:9/?key=${KEY}`], {
      stdout: write,
      stderr: write,
      tty: false,
      env: { PARADIGM_API_KEY: "other-key" },
    });
    expect(exit).toBe(EXIT.config[0]);
    expect(out).toContain("query or fragment");
    expect(out).not.toContain(KEY);
  });

  it("still accepts an origin with a path prefix and a trailing slash", async () => {
    const { sent, fetch } = recorder();
    await createParadigmClient({ apiKey: KEY, baseUrl: "https://paradigm.example/prefix/", fetch }).rate(3, "c", { flag: true });
    expect(sent).toEqual(["https://paradigm.example/prefix/api/v2/rate/3/c"]);
  });
});

describe("a request fetch refuses to build is never 'delivery unknown'", () => {
  it.each(["http://127.0.0.1:6000", "http://127.0.0.1:6667", "http://localhost:1"])(
    "refuses %s, a port fetch blocks, as a configuration error: not sent, not retried",
    async (baseUrl) => {
      const delays: number[] = [];
      const client = createParadigmClient({ apiKey: KEY, baseUrl, sleep: async (ms) => void delays.push(ms) });
      const err = await client.rate(3, "c", { flag: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ParadigmConfigError);
      expect((err as ParadigmError).deliveryUnknown).toBe(false);
      expect((err as Error).message).toMatch(/^fetch blocks port \d+; use another\. Nothing was sent\.$/);
      expect(delays).toEqual([]);
    },
  );

  it("makes the CLI exit 3 (configuration), not 5 (delivery unknown), for a blocked port", async () => {
    let stderr = "";
    const exit = await main(["rate", "--type", "3", "--completion", "c", "--flag", "true", "--base-url", "http://127.0.0.1:6000"], {
      stdout: () => {},
      stderr: (t) => {
        stderr += t;
      },
      tty: false,
      env: { PARADIGM_API_KEY: KEY },
    });
    expect(exit, stderr).toBe(EXIT.config[0]);
  });

  it("refuses credentials in createApi(client)'s per-request baseUrl, nothing sent, password not shown", async () => {
    const s = await server();
    const client = createParadigmClient({ apiKey: KEY, baseUrl: s.url });
    const err = await createApi(client)
      .POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
        baseUrl: s.url.replace("http://", `http://user:${PASSWORD}@`),
        params: { path: { feedback_type_id: 3, completion_id: "c" } },
        body: { flag: true },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmConfigError);
    expect((err as ParadigmError).deliveryUnknown).toBe(false);
    expect(String(err) + JSON.stringify(err)).not.toContain(PASSWORD);
    expect(s.requests).toHaveLength(0);
  });

  it.each([
    ["a line break", "a\nb"],
    ["a character outside Latin-1", "é€"],
  ])("refuses a header value with %s (rate, per call), nothing sent, not retried", async (_, value) => {
    const s = await server();
    const client = createParadigmClient({ apiKey: KEY, baseUrl: s.url });
    const err = await client.rate(3, "c", { flag: true }, { headers: { "x-note": value } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmError);
    expect((err as ParadigmError).deliveryUnknown).toBe(false);
    expect(err).toBeInstanceOf(ParadigmConfigError);
    expect(s.requests).toHaveLength(0);
  });

  it("refuses a header with a line break in createApi(client), nothing sent", async () => {
    const s = await server();
    const client = createParadigmClient({ apiKey: KEY, baseUrl: s.url });
    const err = await createApi(client)
      .POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
        params: { path: { feedback_type_id: 3, completion_id: "c" } },
        body: { flag: true },
        headers: { "x-note": "a\nb" },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmConfigError);
    expect(s.requests).toHaveLength(0);
  });

  it("classifies a TypeError from a custom fetch for a request the platform cannot build as not sent", async () => {
    // The fetch is stubbed to throw what undici throws; the headers are ones no fetch can send.
    let calls = 0;
    const client = createParadigmClient({
      apiKey: KEY,
      baseUrl: "https://paradigm.example",
      sleep: async () => {},
      fetch: async (_input, init) => {
        calls++;
        new Headers(init?.headers); // throws: "… is an invalid header value."
        return new Response(null);
      },
    });
    const err = await client.rate(3, "c", {}, { headers: { "x-note": "a\r\nb" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmConfigError);
    expect((err as ParadigmError).deliveryUnknown).toBe(false);
    expect((err as Error).message).toMatch(/[^.]\. Nothing was sent\.$/); // one full stop, not "value.. Nothing"
    expect(calls).toBeLessThanOrEqual(1);
  });
});
