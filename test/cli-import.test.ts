// Load test of `paradigm-client import` as a real process: 10,000 CSV rows (quoted commas, quotes and line
// breaks; six invalid rows) against a loopback server that refuses 5% of requests with 429/503 + Retry-After.
// The import is interrupted with Ctrl-C (SIGINT) mid-run and run again: every valid row must arrive exactly
// once, every invalid one must be in the report exactly once, with its reason.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { csvField } from "../src/cli/csv.ts";
import { startCountingServer } from "./fixtures/counting-server.ts";
import { spawnCli } from "./fixtures/spawn-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "paradigm-import-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const N = 10_000;
// Row index (0-based) → the reason the validator or the reader gives.
const INVALID: Record<number, RegExp> = {
  1234: /^\$\.body\.tag must be at most 120 characters, got 121$/,
  4321: /^\$\.body\.flag must be boolean, got string$/,
  6000: /^\$\.body\.value must be number, got string$/,
  7777: /^has 7 cells, the header has 6$/,
  8888: /^malformed CSV: unexpected "c" after a closing quote/,
  9999: /^\$\.path\.completion_id is required$/,
};

function row(i: number): { cells: string[]; expected?: Record<string, unknown> } {
  const type = 1 + (i % 5);
  const flag = i % 3 === 0 ? "true" : i % 3 === 1 ? "false" : "";
  const value = String((i % 10) / 2);
  const tag = `t${i % 17}`;
  const comment = i % 50 === 0 ? `line 1, "quoted"\nline 2 of ${i}` : `c${i}`;
  const expected = { flag: flag === "" ? null : flag === "true", value: (i % 10) / 2, tag, comment };
  const cells = [String(type), `imp-${i}`, flag, value, tag, comment].map(csvField);
  if (i === 1234) cells[4] = "x".repeat(121);
  if (i === 4321) cells[2] = "maybe";
  if (i === 6000) cells[3] = "abc";
  if (i === 7777) cells.push("extra");
  if (i === 8888) cells[5] = '"ab"c';
  if (i === 9999) cells[1] = "";
  return i in INVALID ? { cells } : { cells, expected };
}

function runCli(args: string[], env: Record<string, string>, onStart?: (kill: (s: NodeJS.Signals) => void) => void) {
  const run = spawnCli(args, env);
  onStart?.(run.kill);
  return run.done;
}

it("imports 10,000 CSV rows across an interruption: valid rows exactly once, invalid ones reported once", { timeout: 120_000 }, async () => {
  const file = join(dir, "ratings.csv");
  const rows = Array.from({ length: N }, (_, i) => row(i));
  writeFileSync(file, `feedback_type_id,completion_id,flag,value,tag,comment\r\n${rows.map((r) => r.cells.join(",")).join("\r\n")}\r\n`);

  let interrupt: ((s: NodeJS.Signals) => void) | undefined;
  const server = await startCountingServer({
    refuse: 0.05,
    retryAfterMs: 5,
    seed: 7,
    onAccept: (_, total) => {
      if (total === 3000) interrupt?.("SIGINT");
    },
  });
  try {
    const env = { PARADIGM_API_KEY: "import-key", PARADIGM_BASE_URL: server.url };
    const args = ["import", file, "--concurrency", "16", "--progress-every", "1", "--json"];
    const first = await runCli(args, env, (kill) => {
      interrupt = kill;
    });
    const firstAccepted = server.accepted;
    expect(first.stderr).toMatch(/interrupting: finishing the requests in flight/);
    expect(first.code).toBe(130);
    const s1 = JSON.parse(first.stdout) as Record<string, number | boolean>;
    expect(s1).toMatchObject({ interrupted: true, delivered: firstAccepted, failed: 0, unknown: 0 });

    const second = await runCli(args, env);
    expect(second.code).toBe(4); // rejected rows exist
    const s2 = JSON.parse(second.stdout) as Record<string, number | boolean>;
    expect(second.stderr).toMatch(/^progress: +\d+% /m);
    console.log(
      `import load: ${N} rows; run 1 interrupted after ${first.seconds.toFixed(1)} s (${JSON.stringify(s1)}); ` +
        `run 2 ${second.seconds.toFixed(1)} s (${JSON.stringify(s2)}); server accepted ${server.accepted}, refused 429×${server.refused[429]} + 503×${server.refused[503]}`,
    );

    const valid = rows.map((r, i) => [i, r] as const).filter(([, r]) => r.expected);
    const wrong = valid.filter(([i, r]) => server.counts.get(`${r.cells[0]}/imp-${i}`) !== 1).map(([i]) => i);
    expect(wrong).toEqual([]); // every valid row exactly once: none lost, none twice
    expect(server.accepted).toBe(N - Object.keys(INVALID).length);
    expect(server.refused[429] + server.refused[503]).toBeGreaterThan(0);
    expect(server.bodies.get("1/imp-50")).toEqual(rows[50]?.expected);
    expect(server.bodies.get("1/imp-50")).toMatchObject({ comment: 'line 1, "quoted"\nline 2 of 50' });
    expect(Number(s1.delivered) + Number(s2.delivered)).toBe(N - 6);
    expect(s2.rejected).toBe(6); // the whole import's, from the report: a row rejected in both runs counts once
    expect(s2).toMatchObject({ interrupted: false, failed: 0, unknown: 0 });
    expect(Number(s2.skipped)).toBeGreaterThan(0);

    const report = readFileSync(`${file}.report.jsonl`, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { row: number; status: string; reason: string });
    expect(report.map((e) => e.row - 1).sort((a, b) => a - b)).toEqual(Object.keys(INVALID).map(Number));
    for (const e of report) {
      expect(e.status).toBe("rejected");
      expect(e.reason).toMatch(INVALID[e.row - 1] as RegExp);
    }
  } finally {
    await server.close();
  }
});
