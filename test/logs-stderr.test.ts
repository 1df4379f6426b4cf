// Logs belong on stderr: with PARADIGM_LOG=debug, `rate --json` still prints one JSON object and nothing else on
// stdout, and the debug lines (key redacted) go to stderr. Also checks the library's default logger directly.
import { afterEach, describe, expect, inject, it, vi } from "vitest";
import { createParadigmClient } from "../src/client/index.ts";
import { closedPort } from "./fault-server.ts";
import { spawnCli } from "./fixtures/spawn-cli.ts";

const baseUrl = inject("prismUrl");
const KEY = "sk-logs-test-7c1d9e0a55";

describe("PARADIGM_LOG=debug with the CLI", () => {
  it("keeps stdout to the JSON result and writes the debug lines, key redacted, to stderr", async () => {
    const run = spawnCli(["rate", "--type", "3", "--completion", "cmpl-logs", "--flag", "true", "--json"], {
      PARADIGM_API_KEY: KEY,
      PARADIGM_BASE_URL: baseUrl,
      PARADIGM_LOG: "debug",
    });
    const { code, stdout, stderr } = await run.done;
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ outcome: "delivered", status: 200, attempts: 1 });
    expect(stdout.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/\[paradigm-client\] → POST .*\/api\/v2\/rate\/3\/cmpl-logs \(attempt 1\)/);
    expect(stderr).toMatch(/\[paradigm-client\] ← 200 POST/);
    expect(stderr).toContain("Bearer [REDACTED]");
    expect(stdout + stderr).not.toContain(KEY);
  }, 30_000);
});

describe("the default logger", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("sends every level through console.error in Node (stderr), none through stdout's console.log/info/debug", async () => {
    const quiet = () => {};
    const toStdout = ["log", "info", "debug", "warn"].map((m) => vi.spyOn(console, m as "log").mockImplementation(quiet));
    const toStderr = vi.spyOn(console, "error").mockImplementation(quiet);
    const client = createParadigmClient({ apiKey: KEY, baseUrl, logLevel: "debug", sleep: async () => {} });
    await client.rate(3, "cmpl-logs", { flag: true }); // debug lines
    // A refused connection is retried (an info line), then fails (an error line).
    const dead = createParadigmClient({
      apiKey: KEY,
      baseUrl: `http://127.0.0.1:${await closedPort()}`,
      logLevel: "debug",
      maxRetries: 1,
      sleep: async () => {},
    });
    await dead.rate(3, "cmpl-logs", { flag: true }).catch(() => {});
    const lines = toStderr.mock.calls.map((c) => c.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(" "));
    expect(toStdout.flatMap((s) => s.mock.calls)).toEqual([]);
    expect(lines.some((l) => l.includes("[paradigm-client] → POST"))).toBe(true);
    expect(lines.some((l) => l.includes("[paradigm-client] retrying POST"))).toBe(true);
    expect(lines.some((l) => /\[paradigm-client\] POST .* failed/.test(l))).toBe(true);
    expect(lines.join("\n")).not.toContain(KEY);
  });
});
