// The CLI: help that matches what is accepted, exit codes, rate against Prism and a counting server, imports
// with rejected rows and reports, resume, and the spawned entry point (env variables, mock).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ratingFields } from "../src/cli/import.ts";
import { EXIT, helpText, type Io } from "../src/cli/index.ts";
import { type CountingServer, startCountingServer } from "./fixtures/counting-server.ts";
import { runMain, spawnCli } from "./fixtures/spawn-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "paradigm-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: CountingServer;
beforeAll(async () => {
  server = await startCountingServer();
});
afterAll(() => server.close());

const cli = (argv: string[], env: Record<string, string | undefined> = {}, extra: Partial<Io> = {}) =>
  runMain(argv, { PARADIGM_API_KEY: "cli-key", PARADIGM_BASE_URL: server.url, ...env }, extra);

/** A server answering every request with `status`. */
async function answering(status: number) {
  const s = createServer((_, res) => res.writeHead(status, { "content-type": "application/json" }).end('{"detail":"nope"}'));
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => s.close(() => r())) };
}

describe("help", () => {
  it.each(["rate", "import", "mock"] as const)("documents only flags that %s accepts, and every field of the spec for rate", async (command) => {
    const help = helpText(command);
    const flags = [...help.matchAll(/^\s+(?:-\w, )?--([\w-]+)( [A-Z|a-z]+)?/gm)].map((m) => [m[1] as string, Boolean(m[2])] as const);
    expect(flags.length).toBeGreaterThan(2);
    for (const [flag, takesValue] of flags) {
      const r = await cli([command, `--${flag}`, ...(takesValue ? ["1"] : []), "--help"]);
      expect.soft(r.code, `--${flag}`).toBe(0);
    }
    if (command === "rate") {
      for (const f of ratingFields())
        expect(help).toContain(f.name === "feedback_type_id" ? "--type" : f.name === "completion_id" ? "--completion" : `--${f.name}`);
    }
    expect(help).toContain("Exit codes:");
  });

  it("lists every exit code, and the environment variables it reads", async () => {
    const { code, stdout } = await cli(["--help"]);
    expect(code).toBe(0);
    for (const [n] of Object.values(EXIT)) expect(stdout).toMatch(new RegExp(`^  ${n} `, "m"));
    expect(stdout).toMatch(/PARADIGM_API_KEY/);
    expect(stdout).toMatch(/PARADIGM_BASE_URL/);
  });

  it("prints the package version", async () => {
    const { stdout } = await cli(["--version"]);
    expect(stdout.trim()).toBe((JSON.parse(readFileSync(join(import.meta.dirname, "..", "package.json"), "utf8")) as { version: string }).version);
  });

  it.each([
    [[], /Usage:/],
    [["frobnicate"], /unknown command "frobnicate"/],
    [["rate", "--type", "1"], /rate needs --completion/],
    [["rate", "--type", "1", "--completion", "c"], /at least one of the rating's fields/],
    [["rate", "--type", "1", "--completion", "c", "--flag", "true", "--colour", "red"], /Unknown option '--colour'/],
    [["import"], /import takes one FILE/],
    [["import", "ratings.txt"], /--format csv or --format jsonl/],
    [["import", "x.csv", "--concurrency", "0"], /--concurrency must be an integer ≥ 1/],
  ])("exits 2 on a usage error: %j", async (argv, message) => {
    const r = await cli(argv);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe("rate", () => {
  it("logs one rating on the Prism mock and says so", async () => {
    const r = await cli(["rate", "--type", "3", "--completion", "cmpl 1", "--flag", "true", "--value", "4.5", "--tag", "good"], {
      PARADIGM_BASE_URL: inject("prismUrl"),
    });
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe("delivered: POST /api/v2/rate/3/cmpl%201 → 200 (1 attempt)\n");
  });

  it("sends typed fields: numbers and booleans as JSON values, text as text", async () => {
    const r = await cli(["rate", "--type", "4", "--completion", "typed", "--flag", "false", "--value", "2", "--tag", "007", "--comment", "a, b"]);
    expect(r.code).toBe(0);
    expect(server.bodies.get("4/typed")).toEqual({ flag: false, value: 2, tag: "007", comment: "a, b" });
  });

  it("honours PARADIGM_BASE_URL, and --base-url over it", async () => {
    expect((await cli(["rate", "--type", "5", "--completion", "env", "--flag", "true"])).code).toBe(0);
    expect(server.counts.get("5/env")).toBe(1);
    const r = await cli(["rate", "--type", "5", "--completion", "flag", "--flag", "true", "--base-url", server.url], {
      PARADIGM_BASE_URL: "http://127.0.0.1:1",
    });
    expect(r.code).toBe(0);
    expect(server.counts.get("5/flag")).toBe(1);
  });

  it("exits 3, sending nothing, without PARADIGM_API_KEY, and never prints the key", async () => {
    const before = server.accepted;
    const r = await cli(["rate", "--type", "1", "--completion", "c", "--flag", "true"], { PARADIGM_API_KEY: undefined });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/PARADIGM_API_KEY is not set/);
    expect(server.accepted).toBe(before);
    const bad = await cli(["rate", "--type", "1", "--completion", "c", "--flag", "true", "--base-url", "http://paradigm.example"], {
      PARADIGM_API_KEY: "sk-secret-123",
    });
    expect(bad.code).toBe(3);
    expect(bad.stderr + bad.stdout).not.toContain("sk-secret-123");
  });

  it("exits 4 with the spec's reasons when the rating is invalid, and sends nothing", async () => {
    const before = server.accepted;
    const r = await cli(["rate", "--type", "1", "--completion", "c", "--flag", "maybe", "--tag", "x".repeat(121), "--json"]);
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toEqual({
      outcome: "rejected",
      error: "ParadigmValidationError",
      message: "$.body.flag must be boolean, got string; $.body.tag must be at most 120 characters, got 121",
    });
    expect(server.accepted).toBe(before);
  });

  it.each([
    [404, 4, /^not delivered: .*NotFoundError: 404/],
    [502, 5, /^delivery unknown: .*InternalServerError: 502/],
  ])("exits with the class of an HTTP %i (%i)", async (status, exit, message) => {
    const s = await answering(status);
    try {
      const r = await cli(["rate", "--type", "1", "--completion", "c", "--flag", "true"], { PARADIGM_BASE_URL: s.url });
      expect(r.code).toBe(exit);
      expect(r.stderr).toMatch(message);
    } finally {
      await s.close();
    }
  });
});

describe("import", () => {
  const jsonl = [
    '{"feedback_type_id": 1, "completion_id": "j1", "flag": true}',
    '{"feedback_type_id": 1, "completion_id": "j2", "value": 3.5, "comment": null}',
    "",
    `{"feedback_type_id": 1, "completion_id": "j3", "tag": "${"x".repeat(121)}"}`,
    "{not json",
    '{"feedback_type_id": "1", "completion_id": "j5", "flag": true}',
    '[1, "j6"]',
    '{"feedback_type_id": 2, "completion_id": "j7", "tag": "ok"}',
  ].join("\n");

  it("sends the valid rows, reports each invalid one with its reason and line, and exits 4", async () => {
    const file = join(dir, "mixed.jsonl");
    writeFileSync(file, jsonl);
    const r = await cli(["import", file, "--progress-every", "0"]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/^Import of mixed\.jsonl: 7 rows read in [\d.]+ s\.\n {2}delivered 3\n {2}rejected {2}4 {2}\(invalid rows/);
    expect(r.stdout).toMatch(/^ {2}failed {4}0$/m);
    expect(r.stdout).toMatch(/^ {2}unknown {3}0$/m);
    expect(["1/j1", "1/j2", "2/j7"].map((k) => server.counts.get(k))).toEqual([1, 1, 1]);
    expect(server.bodies.get("1/j2")).toEqual({ value: 3.5, comment: null });
    const report = readFileSync(`${file}.report.jsonl`, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(report.map((e) => [e.row, e.line, e.status, e.reason])).toEqual([
      [3, 4, "rejected", "$.body.tag must be at most 120 characters, got 121"],
      [4, 5, "rejected", expect.stringMatching(/^not valid JSON/)],
      [5, 6, "rejected", "$.path.feedback_type_id must be an integer, got string"],
      [6, 7, "rejected", "a row must be a JSON object"],
    ]);

    // Run again: the checkpoint says every row was taken; nothing is sent or reported twice, and the
    // summary and exit code still describe the whole import.
    const again = await cli(["import", file, "--progress-every", "0", "--json"]);
    expect(again.code).toBe(4);
    expect(JSON.parse(again.stdout)).toMatchObject({ rowsRead: 7, skipped: 7, delivered: 0, rejected: 4, failed: 0, unknown: 0 });
    expect(["1/j1", "1/j2", "2/j7"].map((k) => server.counts.get(k))).toEqual([1, 1, 1]);
    expect(readFileSync(`${file}.report.jsonl`, "utf8").trim().split("\n")).toHaveLength(4);
  });

  it("types CSV cells by the spec: quoted commas, quotes and line breaks, null for an empty cell", async () => {
    const file = join(dir, "typed.csv");
    writeFileSync(
      file,
      'feedback_type_id,completion_id,flag,value,tag,comment\r\n7,c1,true,4,"a,b","she said ""hi""\nthen left"\r\n7,c2,,-0.5,,""\r\n7,c3,TRUE,1e2,123,x\r\n',
    );
    const r = await cli(["import", file, "--progress-every", "0"]);
    expect(r.code).toBe(0);
    expect(server.bodies.get("7/c1")).toEqual({ flag: true, value: 4, tag: "a,b", comment: 'she said "hi"\nthen left' });
    expect(server.bodies.get("7/c2")).toEqual({ flag: null, value: -0.5, tag: null, comment: "" });
    expect(server.bodies.get("7/c3")).toEqual({ flag: true, value: 100, tag: "123", comment: "x" });
  });

  it("refuses, before sending anything, a CSV header with an unknown or missing column", async () => {
    const before = server.accepted;
    const file = join(dir, "bad-header.csv");
    writeFileSync(file, "feedback_type_id,completion_id,vaule\n1,c,3\n");
    const r = await cli(["import", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Unknown CSV column "vaule"; known: feedback_type_id, completion_id, value, flag, comment, tag/);
    writeFileSync(file, "completion_id,flag\nc,true\n");
    expect((await cli(["import", file])).stderr).toMatch(/lacks the required column feedback_type_id/);
    expect(server.accepted).toBe(before);
    expect(existsSync(`${file}.checkpoint.jsonl`)).toBe(false); // so the fixed file imports as is
  });

  it("refuses to resume from a checkpoint made for another file", async () => {
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.jsonl");
    writeFileSync(a, '{"feedback_type_id": 1, "completion_id": "ca", "flag": true}\n');
    writeFileSync(b, '{"feedback_type_id": 1, "completion_id": "cb", "flag": true}\n');
    const checkpoint = join(dir, "shared.checkpoint.jsonl");
    expect((await cli(["import", a, "--checkpoint", checkpoint])).code).toBe(0);
    const r = await cli(["import", b, "--checkpoint", checkpoint]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/was made for a different input/);
    expect(server.counts.get("1/cb")).toBeUndefined();
  });

  it("keeps failed rows in the checkpoint and the report, and --retry-failed sends them again", async () => {
    const s = await answering(404);
    const file = join(dir, "retry.jsonl");
    writeFileSync(file, '{"feedback_type_id": 9, "completion_id": "r1", "flag": true}\n{"feedback_type_id": 9, "completion_id": "r2", "flag": false}\n');
    try {
      const first = await cli(["import", file, "--json"], { PARADIGM_BASE_URL: s.url });
      expect(first.code).toBe(4);
      expect(JSON.parse(first.stdout)).toMatchObject({ delivered: 0, failed: 2 });
    } finally {
      await s.close();
    }
    const report = readFileSync(`${file}.report.jsonl`, "utf8");
    expect(report).toMatch(/"status":"failed","reason":"NotFoundError: 404/);
    const held = await cli(["import", file, "--json"]);
    expect(JSON.parse(held.stdout)).toMatchObject({ delivered: 0, failed: 2, skipped: 2 });
    const retried = await cli(["import", file, "--json", "--retry-failed"]);
    expect(retried.code).toBe(0);
    expect(JSON.parse(retried.stdout)).toMatchObject({ delivered: 2, failed: 0 });
    expect(server.counts.get("9/r1")).toBe(1);
    expect(server.counts.get("9/r2")).toBe(1);
  });

  it("draws a progress bar on a terminal and plain lines otherwise", async () => {
    const slow = await startCountingServer({ holdMs: 30 });
    try {
      const file = join(dir, "slow.jsonl");
      writeFileSync(file, Array.from({ length: 20 }, (_, i) => `{"feedback_type_id": 1, "completion_id": "s${i}", "flag": true}`).join("\n"));
      const tty = await cli(["import", file, "--concurrency", "1", "--checkpoint", join(dir, "s1.ckpt")], { PARADIGM_BASE_URL: slow.url }, { tty: true });
      expect(tty.code).toBe(0);
      expect(tty.stderr).toContain("\r\u001b[2K["); // return, clear the line, redraw
      expect(tty.stderr).toMatch(/\[[#-]{24}\] +\d+% +\d+\/~?\d+ rows +\d+ delivered/);
      const plain = await cli(["import", file, "--concurrency", "1", "--checkpoint", join(dir, "s2.ckpt"), "--progress-every", "0.1"], {
        PARADIGM_BASE_URL: slow.url,
      });
      expect(plain.stderr).toMatch(/^progress: +\d+% +\d+\/~?\d+ rows +\d+ delivered +0 rejected +0 failed +0 unknown +\d+\/s$/m);
      expect(plain.stderr).not.toContain("\r");
    } finally {
      await slow.close();
    }
  });
});

describe("the installed entry point", () => {
  it("reads PARADIGM_API_KEY and PARADIGM_BASE_URL from the environment", async () => {
    const run = spawnCli(["rate", "--type", "11", "--completion", "spawned", "--comment", "hi"], {
      PARADIGM_API_KEY: "env-key",
      PARADIGM_BASE_URL: server.url,
    });
    expect((await run.done).code).toBe(0);
    expect(run.out()).toMatch(/^delivered: POST \/api\/v2\/rate\/11\/spawned → 200/);
    expect(server.counts.get("11/spawned")).toBe(1);
  });

  it("mock prints a working URL, and stops cleanly on Ctrl-C", { timeout: 30_000 }, async () => {
    const run = spawnCli(["mock"], {});
    const url = await new Promise<string>((resolve, reject) => {
      const t = setInterval(() => {
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(run.out());
        if (m) resolve(m[1] as string);
        if (run.exitCode() !== null) reject(new Error(run.err()));
      }, 50);
      run.done.finally(() => clearInterval(t));
      setTimeout(() => clearInterval(t), 25_000);
    });
    const r = await cli(["rate", "--type", "1", "--completion", "via-mock", "--flag", "true"], { PARADIGM_BASE_URL: url });
    expect(r.code).toBe(0);
    run.kill("SIGINT");
    expect((await run.done).code).toBe(0);
  });
});
