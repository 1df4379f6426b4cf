// The CLI as a user meets it when something is off: a report path that would destroy a file, a directory that
// does not exist, a second import of the same file, a busy mock port, rate flags for null, media types, plain
// http and repeated flags, and a messy real-world CSV. Each ends in a documented exit code and clear words.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT, type Io } from "../src/cli/index.ts";
import { ParadigmError } from "../src/core/errors.ts";
import { startMock } from "../src/mock/index.ts";
import { type CountingServer, startCountingServer } from "./fixtures/counting-server.ts";
import { runMain, spawnCli } from "./fixtures/spawn-cli.ts";

const dir = mkdtempSync(join(tmpdir(), "paradigm-cli-errors-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let server: CountingServer;
beforeAll(async () => {
  server = await startCountingServer();
});
afterAll(() => server.close());

const cli = (argv: string[], env: Record<string, string | undefined> = {}, extra: Partial<Io> = {}) =>
  runMain(argv, { PARADIGM_API_KEY: "errors-key", PARADIGM_BASE_URL: server.url, ...env }, extra);

const exit = (k: keyof typeof EXIT) => EXIT[k][0];
let n = 0;
const file = (name: string, text: string | Buffer) => {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, text);
  return p;
};
/** Files next to `f` that the import would have created. */
const traces = (f: string) => readdirSync(dir).filter((x) => x.startsWith(`${f.split("/").pop()}.`));

describe("import refuses, with clear words and a documented exit code, leaving nothing behind", () => {
  it("--report equal to the input: exit 2, the input intact", async () => {
    const text = "feedback_type_id,completion_id,flag\n1,same,true\n";
    const f = file("same.csv", text);
    const r = await cli(["import", f, "--report", f]);
    expect(r.code).toBe(exit("usage"));
    expect(r.stderr).toMatch(/^paradigm-client: The report .*same\.csv is the input file; it would be overwritten/);
    expect(readFileSync(f, "utf8")).toBe(text);
    expect(traces(f)).toEqual([]);
    expect(server.counts.get("1/same")).toBeUndefined();
  });

  it("--report in a directory that does not exist: exit 2, no stack trace, no checkpoint, no lock", async () => {
    const f = file("r.jsonl", '{"feedback_type_id":1,"completion_id":"nodir","flag":true}\n');
    const r = await cli(["import", f, "--report", "/nonexistent/r.jsonl"]);
    expect(r.code).toBe(exit("usage"));
    expect(r.stderr).toBe(
      "paradigm-client: Cannot write the report /nonexistent/r.jsonl: the directory does not exist (/nonexistent).\nRun 'paradigm-client import --help' for usage.\n",
    );
    expect(traces(f)).toEqual([]);
    expect(server.counts.get("1/nodir")).toBeUndefined();
  });

  it("an existing report of something else: exit 2 unless --overwrite-report", async () => {
    const f = file("o.jsonl", '{"feedback_type_id":1,"completion_id":"ow","flag":true}\n');
    const mine = file("mine.jsonl", "keep me\n");
    const r = await cli(["import", f, "--report", mine]);
    expect(r.code).toBe(exit("usage"));
    expect(r.stderr).toMatch(/already exists .*--overwrite-report/);
    expect(readFileSync(mine, "utf8")).toBe("keep me\n");
    expect((await cli(["import", f, "--report", mine, "--overwrite-report", "-q"])).code).toBe(0);
    expect(readFileSync(mine, "utf8")).toBe("");
  });

  describe("a second import of a file being imported", () => {
    let holder: ChildProcess;
    beforeAll(() => {
      holder = spawn("sleep", ["30"], { stdio: "ignore" });
    });
    afterAll(() => {
      holder.kill();
    });
    it("exits 6 (busy), names the other process, and touches nothing", async () => {
      const f = file("busy.jsonl", '{"feedback_type_id":1,"completion_id":"busy","flag":true}\n');
      writeFileSync(`${f}.checkpoint.jsonl.lock`, String(holder.pid));
      const r = await cli(["import", f]);
      expect(r.code).toBe(exit("busy"));
      expect(exit("busy")).toBe(6);
      expect(r.stderr).toMatch(new RegExp(`is already being imported by process ${holder.pid}`));
      expect(r.stderr).not.toMatch(/bug|\n\s+at /);
      expect(existsSync(`${f}.checkpoint.jsonl`)).toBe(false);
      expect(readFileSync(`${f}.checkpoint.jsonl.lock`, "utf8")).toBe(String(holder.pid)); // the other import's lock stays
      expect(server.counts.get("1/busy")).toBeUndefined();
    });
  });
});

describe("mock on a busy port", () => {
  it("startMock rejects with an Error naming the address; the CLI says so and exits 3", { timeout: 30_000 }, async () => {
    const taken = createNetServer();
    await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
    const { port } = taken.address() as AddressInfo;
    try {
      const e = await startMock({ port }).then(
        (m) => m.close(),
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(ParadigmError);
      expect((e as Error).message).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}.*already in use`));
      const r = await cli(["mock", "--port", String(port)], {}, { signal: AbortSignal.abort() });
      expect(r.code).toBe(exit("config"));
      expect(r.stderr).toMatch(new RegExp(`could not start: .*127\\.0\\.0\\.1:${port}.*already in use.*--port`));
      expect(r.stderr).not.toContain("undefined");
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });
});

describe("rate", () => {
  it("--null FIELD sends null; --comment null sends the text", async () => {
    expect((await cli(["rate", "--type", "2", "--completion", "nul", "--null", "comment", "--flag", "true"])).code).toBe(0);
    expect(server.bodies.get("2/nul")).toEqual({ flag: true, comment: null });
    expect((await cli(["rate", "--type", "2", "--completion", "txt", "--comment", "null"])).code).toBe(0);
    expect(server.bodies.get("2/txt")).toEqual({ comment: "null" });
    expect((await cli(["rate", "--type", "2", "--completion", "two", "--null", "tag,comment"])).code).toBe(0);
    expect(server.bodies.get("2/two")).toEqual({ tag: null, comment: null });
  });

  it.each([
    [["--null", "comment", "--comment", "x"], /--comment and --null comment/],
    [["--null", "completion_id"], /--null takes the rating's fields .*not completion_id/],
    [["--null", "colour"], /--null takes the rating's fields .*not colour/],
    [["--flag", "true", "--flag", "false"], /--flag is given twice/],
    [["--flag", "true", "--media-type", "xml"], /--media-type must be one of json, form, multipart/],
  ])("refuses %j with exit 2, sending nothing", async (args, message) => {
    const before = server.accepted;
    const r = await cli(["rate", "--type", "2", "--completion", "refused", ...args]);
    expect(r.code).toBe(exit("usage"));
    expect(r.stderr).toMatch(message);
    expect(server.accepted).toBe(before);
  });

  it("--media-type form and multipart send those encodings", async () => {
    const seen: IncomingHttpHeaders[] = [];
    const s = createServer((req, res) => {
      seen.push(req.headers);
      req.resume().on("end", () => res.writeHead(200, { "content-type": "application/json" }).end('{"display_value":true}'));
    });
    await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
      expect((await cli(["rate", "--type", "1", "--completion", "m", "--flag", "true", "--media-type", "form"], { PARADIGM_BASE_URL: url })).code).toBe(0);
      expect(
        (await cli(["rate", "--type", "1", "--completion", "m", "--tag", "x", "--media-type", "multipart/form-data"], { PARADIGM_BASE_URL: url })).code,
      ).toBe(0);
      expect(seen.map((h) => h["content-type"]?.split(";")[0])).toEqual(["application/x-www-form-urlencoded", "multipart/form-data"]);
    } finally {
      await new Promise((r) => s.close(r));
    }
  });

  it("plain http to a non-loopback host: exit 3 pointing at --allow-insecure-http, which then sends", async () => {
    const url = server.url.replace("127.0.0.1", "0.0.0.0"); // reaches this machine, but is not a loopback name
    const refused = await cli(["rate", "--type", "3", "--completion", "insecure", "--flag", "true"], { PARADIGM_BASE_URL: url });
    expect(refused.code).toBe(exit("config"));
    expect(refused.stderr).toMatch(/pass --allow-insecure-http if this network is trusted/);
    expect(server.counts.get("3/insecure")).toBeUndefined();
    const sent = await cli(["rate", "--type", "3", "--completion", "insecure", "--flag", "true", "--allow-insecure-http"], { PARADIGM_BASE_URL: url });
    expect(sent.code).toBe(0);
    expect(server.counts.get("3/insecure")).toBe(1);
  });
});

describe("import of a messy real-world CSV", () => {
  it("BOM, CRLF, ';', extra columns, blank and duplicate rows: flags make it import, the summary says what was left out", async () => {
    const text =
      "\uFEFFfeedback_type_id;completion_id;flag;Notes\r\n" +
      "1;messy-1;true;first\r\n" +
      ";;;\r\n" +
      "   \r\n" +
      '1;messy-2;false;"a; b"\r\n' +
      "1;messy-1;true;first again\r\n";
    const f = file("messy.csv", text);
    const hint = await cli(["import", f]);
    expect(hint.code).toBe(exit("usage"));
    expect(hint.stderr).toMatch(/separated by ";".*--delimiter ";"/);
    const r = await cli(["import", f, "--delimiter", ";", "--ignore-extra-columns", "--progress-every", "0"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}blank +2 +\(rows with only empty cells: not imported\)$/m);
    expect(r.stdout).toMatch(/^ {2}duplicate +1 +\(same content as an earlier row; sent again: --dedupe leaves such rows out\)$/m);
    expect(server.counts.get("1/messy-1")).toBe(2);
    const g = file("messy.csv", text);
    const d = await cli(["import", g, "--delimiter", ";", "--ignore-extra-columns", "--dedupe", "--json"]);
    expect(d.code).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({ delivered: 2, blank: 2, duplicates: 1 });
    expect(server.counts.get("1/messy-1")).toBe(3);
  });

  it("--from-report sends the rows fixed in the report, once", async () => {
    const f = file("fix.csv", "feedback_type_id,completion_id,value\n1,fix-1,high\n");
    expect((await cli(["import", f, "-q"])).code).toBe(exit("notDelivered"));
    const report = `${f}.report.jsonl`;
    writeFileSync(report, readFileSync(report, "utf8").replace('"value":"high"', '"value":"5"'));
    const r = await cli(["import", report, "--from-report", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ delivered: 1, rejected: 0 });
    expect(server.bodies.get("1/fix-1")).toEqual({ value: 5 });
    expect((await cli(["import", report, "--from-report", "-q"])).code).toBe(0);
    expect(server.counts.get("1/fix-1")).toBe(1);
  });
});

describe("the installed entry point", () => {
  it("`import same.csv --report same.csv` exits 2 and the input survives", async () => {
    const text = "feedback_type_id,completion_id,flag\n1,spawned-same,true\n";
    const f = file("spawned.csv", text);
    const r = await spawnCli(["import", f, "--report", f], { PARADIGM_API_KEY: "k", PARADIGM_BASE_URL: server.url }).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is the input file; it would be overwritten/);
    expect(readFileSync(f, "utf8")).toBe(text);
    expect(traces(f)).toEqual([]);
  });
});

describe("the import summary", () => {
  it("says 1 row, not 1 rows", async () => {
    const f = join(dir, "one.csv");
    writeFileSync(f, "feedback_type_id,completion_id,flag\n1,one,true\n");
    const r = await cli(["import", f]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Import of one\.csv: 1 row read in /);
  });
});

describe("--json keeps stdout machine-readable when the command cannot run", () => {
  it.each([
    [
      "a missing API key",
      ["rate", "--type", "3", "--completion", "c", "--flag", "true", "--json"],
      { PARADIGM_API_KEY: undefined },
      "config",
      "ParadigmConfigError",
    ],
    [
      "credentials in the base URL",
      ["rate", "--type", "3", "--completion", "c", "--flag", "true", "--json"],
      { PARADIGM_BASE_URL: "http://user:s3cret@example.com" },
      "config",
      "ParadigmConfigError",
    ],
    ["a usage error", ["rate", "3", "c", "--json"], {}, "usage", "UsageError"],
  ] as const)("prints one JSON error object on stdout for %s, with the exit code, and nothing secret", async (_, argv, env, kind, name) => {
    const r = await cli([...argv], env);
    expect(r.code).toBe(exit(kind));
    const lines = r.stdout.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ outcome: "error", error: name, exitCode: exit(kind), message: expect.any(String) });
    expect(r.stdout).not.toContain("s3cret");
    expect(r.stderr).toContain("paradigm-client:"); // the words for people stay on stderr
  });

  it("prints nothing on stdout for the same errors without --json", async () => {
    const r = await cli(["rate", "--type", "3", "--completion", "c", "--flag", "true"], { PARADIGM_API_KEY: undefined });
    expect(r.code).toBe(exit("config"));
    expect(r.stdout).toBe("");
  });
});
