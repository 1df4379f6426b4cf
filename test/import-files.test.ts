// runImport (in process, fake client) on the files users really have: a BOM and CRLF in JSONL, extra columns,
// `;` delimiters, blank and duplicate rows, files appended to, reports of fixed rows, and report paths that
// must never destroy a file. Each test says what a user would see.
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type ImportOptions, type ImportProgress, ParadigmImportError, runImport } from "../src/cli/import.ts";
import type { ParadigmClient } from "../src/client/client.ts";
import { BadRequestError, InternalServerError } from "../src/core/errors.ts";

const dir = mkdtempSync(join(tmpdir(), "paradigm-import-files-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** A fresh file name in the temp dir (one per test, so checkpoints never collide). */
const file = (name: string, text: string | Buffer): string => {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, text);
  return p;
};

interface Sent {
  type: unknown;
  completion: unknown;
  body: unknown;
}

/** A client that records what it is asked to send; `gate` (if given) holds each request until it resolves. */
function fakeClient(gate?: (i: number) => Promise<void>) {
  const sent: Sent[] = [];
  const client: Pick<ParadigmClient, "rate"> = {
    rate: async (type, completion, body) => {
      const i = sent.length;
      sent.push({ type, completion, body });
      await gate?.(i);
      return { status: 200, headers: new Headers(), requestId: undefined, attempts: 1 };
    },
  };
  return { client, sent, completions: () => sent.map((s) => s.completion) };
}

const run = (client: Pick<ParadigmClient, "rate">, o: ImportOptions) => runImport(client, { ...o, queue: { sleep: async () => undefined, ...o.queue } });
const leftovers = (f: string) => [`${f}.checkpoint.jsonl`, `${f}.checkpoint.jsonl.lock`, `${f}.report.jsonl`].filter((p) => existsSync(p));

describe("report paths never destroy a file", () => {
  it("refuses --report equal to the input, leaving the input intact and creating nothing", async () => {
    const text = "feedback_type_id,completion_id,flag\n1,a,true\n";
    const f = file("same.csv", text);
    const { client, sent } = fakeClient();
    await expect(run(client, { file: f, report: f })).rejects.toThrow(/report .* is the input file/);
    expect(readFileSync(f, "utf8")).toBe(text);
    expect(sent).toEqual([]);
    expect(leftovers(f)).toEqual([]);
  });

  it("refuses --report equal to the checkpoint", async () => {
    const f = file("a.jsonl", '{"feedback_type_id":1,"completion_id":"a","flag":true}\n');
    const p = join(dir, "both.jsonl");
    const { client, sent } = fakeClient();
    await expect(run(client, { file: f, report: p, checkpoint: p })).rejects.toThrow(/report and the checkpoint .* same file/);
    expect(existsSync(p)).toBe(false);
    expect(sent).toEqual([]);
  });

  it("refuses to overwrite an existing file as the report of a new import, unless asked", async () => {
    const f = file("b.jsonl", '{"feedback_type_id":1,"completion_id":"b","flag":true}\n{"nope":1}\n');
    const precious = file("precious.txt", "my notes\n");
    const { client, sent } = fakeClient();
    await expect(run(client, { file: f, report: precious })).rejects.toThrow(/already exists.*--overwrite-report/);
    expect(readFileSync(precious, "utf8")).toBe("my notes\n");
    expect(sent).toEqual([]);
    expect(leftovers(f)).toEqual([]);
    const s = await run(client, { file: f, report: precious, overwriteReport: true });
    expect(s).toMatchObject({ delivered: 1, rejected: 1 });
    expect(readFileSync(precious, "utf8")).toMatch(/^\{"row":2,/);
  });

  it("refuses a report in a directory that does not exist before creating the checkpoint or its lock", async () => {
    const f = file("c.jsonl", '{"feedback_type_id":1,"completion_id":"c","flag":true}\n');
    const { client, sent } = fakeClient();
    const e = await run(client, { file: f, report: join(dir, "no-such-dir", "r.jsonl") }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ParadigmImportError);
    expect((e as Error).message).toMatch(/Cannot write the report .*no-such-dir.*: the directory does not exist/);
    expect(sent).toEqual([]);
    expect(leftovers(f)).toEqual([]);
  });

  it("still appends to its own report when the same import runs again", async () => {
    const f = file("d.jsonl", '{"nope":1}\n');
    const { client } = fakeClient();
    expect(await run(client, { file: f })).toMatchObject({ rejected: 1 });
    appendFileSync(f, '{"nope":2}\n');
    expect(await run(client, { file: f })).toMatchObject({ rejected: 2 });
    expect(readFileSync(`${f}.report.jsonl`, "utf8").trim().split("\n")).toHaveLength(2);
  });
});

describe("a report after --retry-unknown / --retry-failed", () => {
  /** Answers c2 with a 500 (delivery unknown) and c3 with a 400 (failed) while `broken`, then 200 for all. */
  function flakyClient() {
    const state = { broken: true, sent: [] as unknown[] };
    const client: Pick<ParadigmClient, "rate"> = {
      rate: async (_type, completion) => {
        state.sent.push(completion);
        if (state.broken && completion === "c2") throw new InternalServerError(500, new Headers(), { detail: "boom" }, "500 Internal Server Error");
        if (state.broken && completion === "c3") throw new BadRequestError(400, new Headers(), { detail: "no" }, "400 Bad Request");
        return { status: 200, headers: new Headers(), requestId: undefined, attempts: 1 };
      },
    };
    return { client, state };
  }
  const rows =
    '{"feedback_type_id":1,"completion_id":"c1","flag":true}\n{"feedback_type_id":1,"completion_id":"c2","flag":true}\n{"feedback_type_id":1,"completion_id":"c3","flag":true}\n';
  const entries = (f: string) =>
    readFileSync(`${f}.report.jsonl`, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => {
        const e = JSON.parse(l) as { row: number; status: string };
        return `${e.row}:${e.status}`;
      });

  it("no longer lists a row as unknown or failed once a retry delivered it", async () => {
    const f = file("retry.jsonl", rows);
    const { client, state } = flakyClient();
    expect(await run(client, { file: f })).toMatchObject({ delivered: 1, unknown: 1, failed: 1 });
    expect(entries(f).sort()).toEqual(["2:unknown", "3:failed"]);
    state.broken = false;
    expect(await run(client, { file: f, retryUnknown: true })).toMatchObject({ unknown: 0, failed: 1 });
    expect(entries(f)).toEqual(["3:failed"]);
    expect(await run(client, { file: f, retryFailed: true })).toMatchObject({ unknown: 0, failed: 0 });
    expect(entries(f)).toEqual([]);
    expect(state.sent).toEqual(["c1", "c2", "c3", "c2", "c3"]);
  });

  it("finishes normally when the user removed the report during the run", async () => {
    const f = file("removed.jsonl", rows);
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const { client, sent } = fakeClient((i) => (i === 0 ? held : Promise.resolve()));
    const done = run(client, { file: f });
    while (sent.length === 0) await new Promise((r) => setTimeout(r, 5));
    rmSync(`${f}.report.jsonl`);
    release();
    expect(await done).toMatchObject({ delivered: 3 });
  });

  it("lists a resent unknown row that now fails as failed, once, and keeps rejected rows", async () => {
    const f = file("retry2.jsonl", `${rows}{"nope":1}\n`);
    const { client } = flakyClient();
    await run(client, { file: f });
    expect(entries(f).sort()).toEqual(["2:unknown", "3:failed", "4:rejected"]);
    const c2fails: Pick<ParadigmClient, "rate"> = {
      rate: async () => {
        throw new BadRequestError(400, new Headers(), { detail: "no" }, "400 Bad Request");
      },
    };
    await run(c2fails, { file: f, retryUnknown: true });
    expect(entries(f).sort()).toEqual(["2:failed", "3:failed", "4:rejected"]);
  });
});

describe("JSONL as editors write it", () => {
  it("reads a file that starts with a UTF-8 BOM and ends lines with CRLF", async () => {
    const body = '{"feedback_type_id":1,"completion_id":"bom1","flag":true}\r\n{"feedback_type_id":1,"completion_id":"bom2","comment":"x"}\r\n';
    const f = file("bom.jsonl", Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]));
    const { client, sent, completions } = fakeClient();
    const s = await run(client, { file: f });
    expect(s).toMatchObject({ rowsRead: 2, delivered: 2, rejected: 0 });
    expect(completions()).toEqual(["bom1", "bom2"]);
    expect(sent[1]?.body).toEqual({ comment: "x" });
  });
});

describe("appending to a file, and sending fixed rows again", () => {
  const header = "feedback_type_id,completion_id,value\n";
  it("sends only the rows appended since the last run", async () => {
    const f = file("grow.csv", `${header}1,g1,1\n1,g2,2\n`);
    const { client, completions } = fakeClient();
    expect(await run(client, { file: f })).toMatchObject({ delivered: 2 });
    appendFileSync(f, "1,g3,3\n1,g4,4\n");
    expect(await run(client, { file: f })).toMatchObject({ delivered: 2, skipped: 2 });
    appendFileSync(f, "1,g5,5");
    expect(await run(client, { file: f })).toMatchObject({ delivered: 1, skipped: 4 });
    expect(await run(client, { file: f })).toMatchObject({ delivered: 0, skipped: 5 });
    expect(completions()).toEqual(["g1", "g2", "g3", "g4", "g5"]);
  });

  it("refuses, with the reason, a file whose earlier rows were edited, or whose last row was extended", async () => {
    const f = file("edit.csv", `${header}1,e1,1\n1,e2,2`);
    const { client, completions } = fakeClient();
    await run(client, { file: f });
    writeFileSync(f, `${header}1,e1,9\n1,e2,2\n1,e3,3\n`);
    await expect(run(client, { file: f })).rejects.toThrow(/the rows already imported \(its first 50 bytes\) were changed/);
    writeFileSync(f, `${header}1,e1,1\n1,e2,2 plus more\n`);
    await expect(run(client, { file: f })).rejects.toThrow(/the rows already imported were changed \(text was added to the end of the last row/);
    expect(completions()).toEqual(["e1", "e2"]);
  });

  it("imports the fixed rejected rows of a report once, however often it is run", async () => {
    const f = file("fix.csv", `${header}1,f1,1\n1,f2,four\n1,f3,"3"\n1,f4,x\n`);
    const { client, sent, completions } = fakeClient();
    expect(await run(client, { file: f })).toMatchObject({ delivered: 2, rejected: 2 });
    const report = `${f}.report.jsonl`;
    // The user fixes one of the two rows in the report, and leaves the other as it was.
    writeFileSync(report, readFileSync(report, "utf8").replace('"value":"four"', '"value":"4"'));
    const fixed = await run(client, { file: report, fromReport: true });
    expect(fixed).toMatchObject({ delivered: 1, rejected: 1 });
    expect(sent.at(-1)).toEqual({ type: 1, completion: "f2", body: { value: 4 } });
    const again = await run(client, { file: report, fromReport: true });
    expect(again).toMatchObject({ delivered: 0, skipped: 2 });
    expect(completions()).toEqual(["f1", "f3", "f2"]);
  });
});

describe("real-world CSV", () => {
  it("ignores extra columns when asked, and keeps them in the report", async () => {
    const text = "feedback_type_id,completion_id,flag,note,owner\r\n1,x1,true,looks good,ann\r\n1,x2,maybe,hmm,bob\r\n";
    const refused = file("extra.csv", text);
    const { client, sent } = fakeClient();
    await expect(run(client, { file: refused })).rejects.toThrow(/Unknown CSV columns "note", "owner".*--ignore-extra-columns/);
    expect(sent).toEqual([]);
    const f = file("extra.csv", text);
    const s = await run(client, { file: f, ignoreExtraColumns: true });
    expect(s).toMatchObject({ delivered: 1, rejected: 1 });
    expect(sent).toEqual([{ type: 1, completion: "x1", body: { flag: true } }]);
    const report = JSON.parse(readFileSync(`${f}.report.jsonl`, "utf8")) as { input: Record<string, string> };
    expect(report.input).toMatchObject({ completion_id: "x2", note: "hmm", owner: "bob" });
    // Fixed in the report, the row goes without its extra columns, as the import that rejected it would have sent it.
    writeFileSync(`${f}.report.jsonl`, readFileSync(`${f}.report.jsonl`, "utf8").replace('"flag":"maybe"', '"flag":"false"'));
    expect(await run(client, { file: `${f}.report.jsonl`, fromReport: true })).toMatchObject({ delivered: 1, rejected: 0 });
    expect(sent.at(-1)).toEqual({ type: 1, completion: "x2", body: { flag: false } });
  });

  it("types path parameters by the spec: the type id as an integer, a numeric-looking completion id as text", async () => {
    const f = file("path.csv", "feedback_type_id,completion_id,tag\n 7 ,007,1e3\n");
    const { client, sent } = fakeClient();
    expect(await run(client, { file: f })).toMatchObject({ delivered: 1 });
    expect(sent).toEqual([{ type: 7, completion: "007", body: { tag: "1e3" } }]);
  });

  it("skips all-empty rows and whitespace-only lines, counting them as blank, not rejected", async () => {
    const f = file("blank.csv", "feedback_type_id,completion_id,flag\n1,b1,true\n,,\n   \n\t\n1,b2,false\n, ,\n");
    const { client, completions } = fakeClient();
    const s = await run(client, { file: f });
    expect(s).toMatchObject({ delivered: 2, rejected: 0, blank: 4 });
    expect(completions()).toEqual(["b1", "b2"]);
    expect(existsSync(`${f}.report.jsonl`) ? readFileSync(`${f}.report.jsonl`, "utf8") : "").toBe("");
  });

  it("hints at --delimiter for a ';'-separated file, and reads it with --delimiter ';'", async () => {
    const text = 'feedback_type_id;completion_id;value;comment\n1;s1;2.5;"a; b"\n';
    const { client, sent } = fakeClient();
    await expect(run(client, { file: file("semi.csv", text) })).rejects.toThrow(/separated by ";".*--delimiter ";"/);
    expect(sent).toEqual([]);
    const s = await run(client, { file: file("semi.csv", text), delimiter: ";" });
    expect(s).toMatchObject({ delivered: 1 });
    expect(sent).toEqual([{ type: 1, completion: "s1", body: { value: 2.5, comment: "a; b" } }]);
  });

  it("counts rows that repeat an earlier one; --dedupe sends each content once, across runs too", async () => {
    const rows = "feedback_type_id,completion_id,flag\n1,d1,true\n1,d2,true\n1,d1,true\n1,d1,false\n";
    const plain = fakeClient();
    expect(await run(plain.client, { file: file("dup.csv", rows) })).toMatchObject({ delivered: 4, duplicates: 1 });
    const d = fakeClient();
    const f = file("dup.csv", rows);
    expect(await run(d.client, { file: f, dedupe: true })).toMatchObject({ delivered: 3, duplicates: 1 });
    appendFileSync(f, "1,d2,true\n1,d3,true\n");
    expect(await run(d.client, { file: f, dedupe: true })).toMatchObject({ delivered: 1, duplicates: 2 });
    expect(d.completions()).toEqual(["d1", "d2", "d1", "d3"]);
  });
});

describe("progress", () => {
  const jsonl = (count: number, prefix: string) =>
    Array.from({ length: count }, (_, i) => `{"feedback_type_id":1,"completion_id":"${prefix}${i}","flag":true}`).join("\n");

  it("an interrupted run counts as done only the rows settled", async () => {
    const f = file("stop.jsonl", jsonl(200, "s"));
    const ctl = new AbortController();
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const { client } = fakeClient(async (i) => {
      if (i === 10) ctl.abort();
      if (i >= 10) await held;
    });
    const p = run(client, { file: f, signal: ctl.signal, concurrency: 2 });
    setTimeout(release, 50);
    const s = await p;
    expect(s.interrupted).toBe(true);
    expect(s.rowsDone).toBe(s.delivered + s.rejected + s.failed + s.unknown + s.skipped);
    expect(s.rowsDone).toBeLessThan(20);
  });

  it("counts items resumed from the checkpoint in the work to do and the work done", async () => {
    const f = file("resume.jsonl", jsonl(50, "r"));
    const ctl = new AbortController();
    const first = fakeClient(async (i) => {
      if (i === 5) ctl.abort();
    });
    const s1 = await run(first.client, { file: f, signal: ctl.signal, concurrency: 1 });
    expect(s1.interrupted).toBe(true);
    const seen: ImportProgress[] = [];
    const second = fakeClient(() => new Promise((r) => setTimeout(r, 2)));
    const s2 = await run(second.client, { file: f, onProgress: (p) => seen.push(p), progressMs: 5, concurrency: 1 });
    expect(s2.resumed).toBeGreaterThan(0);
    expect(s2.resumed).toBeLessThanOrEqual(s2.delivered);
    // Each row of the file once: a resumed row is in the work to do, and done once its item is delivered.
    expect(s2.rowsExpected).toBe(s2.rowsRead);
    expect(s2.rowsDone).toBe(s2.rowsExpected);
    expect(s1.delivered + s2.delivered).toBe(50);
    // While the resumed items drain, done moves: never stuck at zero after something was delivered.
    for (const p of seen) if (p.delivered > 0) expect(p.rowsDone).toBeGreaterThanOrEqual(p.delivered);
    // The file read, resumed items still queued: their rows are work to do, not done yet.
    expect(seen.some((p) => p.rowsExact && p.queued + p.inFlight > 0 && p.rowsDone < p.rowsExpected)).toBe(true);
    for (const p of seen) if (p.rowsExact) expect(p.rowsDone).toBeLessThanOrEqual(p.rowsExpected);
  });

  it("gives no row estimate before a whole chunk of the file has been parsed", async () => {
    const f = file("big.jsonl", jsonl(2500, "b")); // two 64 KiB chunks and a bit
    const seen: ImportProgress[] = [];
    const { client } = fakeClient();
    await run(client, { file: f, onProgress: (p) => seen.push(p), progressMs: 1, concurrency: 8 });
    expect(seen.length).toBeGreaterThan(0);
    for (const p of seen) {
      if (!p.rowsExact && p.bytesRead === 0) expect(p.rowsExpected).toBe(0);
      if (p.rowsExpected) expect(p.rowsDone).toBeLessThanOrEqual(p.rowsExpected);
      if (!p.rowsExact && p.rowsExpected) expect(Math.abs(p.rowsExpected - 2500)).toBeLessThan(250);
    }
  });
});

describe("a report cut short by a crash", () => {
  it("drops the torn last line before writing again, so every entry stays readable", async () => {
    const f = file("torn.csv", "feedback_type_id,completion_id,value\n1,a,1\n1,b,x\n");
    const { client } = fakeClient();
    await run(client, { file: f });
    const report = `${f}.report.jsonl`;
    expect(readFileSync(report, "utf8").trim().split("\n")).toHaveLength(1);
    appendFileSync(report, '{"row":9,"status":"rej'); // a crash in the middle of a write
    appendFileSync(f, "1,c,y\n"); // a new invalid row, reported on the next run
    await run(client, { file: f });
    const lines = readFileSync(report, "utf8").split("\n").filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as { row: number }).row)).toEqual([2, 3]);
  });
});

describe("a resumed import given another --report", () => {
  it("makes the new report its own, so the next run with it is not refused", async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => `1,c${i},${i % 2 ? "x" : "1"}`).join("\n");
    const f = file("moved.csv", `feedback_type_id,completion_id,value\n${rows}\n`);
    const ctrl = new AbortController();
    const { client } = fakeClient(async (i) => {
      if (i === 0) ctrl.abort();
    });
    await run(client, { file: f, report: join(dir, "moved-a.jsonl"), signal: ctrl.signal });
    const b = join(dir, "moved-b.jsonl");
    await run(fakeClient().client, { file: f, report: b }); // resumes the same, unchanged file
    expect(existsSync(b) && readFileSync(b, "utf8").length > 0).toBe(true);
    await expect(run(fakeClient().client, { file: f, report: b })).resolves.toMatchObject({ report: b });
  });
});

describe("a number too large for a double", () => {
  it("is rejected with its text kept in the report, so re-importing the report never sends a null", async () => {
    const f = file("huge.jsonl", '{"feedback_type_id":3,"completion_id":"j4","value":1e400}\n');
    const { client, sent } = fakeClient();
    await run(client, { file: f });
    const entry = JSON.parse(readFileSync(`${f}.report.jsonl`, "utf8").trim()) as { status: string; input: unknown };
    expect(entry).toMatchObject({ status: "rejected", input: '{"feedback_type_id":3,"completion_id":"j4","value":1e400}' });
    await run(client, { file: `${f}.report.jsonl`, fromReport: true, report: join(dir, "huge-again.jsonl") });
    expect(sent).toEqual([]);
  });
});

describe("a CSV row fixed through its report", () => {
  it("is sent as the CSV meant it: a quoted empty cell the empty string, an unquoted one null", async () => {
    const f = file("quoted.csv", 'feedback_type_id,completion_id,flag,comment,tag\n3,rp-1,maybe,"",\n3,rp-2,true,"",\n');
    const { client, sent } = fakeClient();
    expect(await run(client, { file: f })).toMatchObject({ delivered: 1, rejected: 1 });
    expect(sent[0]).toEqual({ type: 3, completion: "rp-2", body: { flag: true, comment: "", tag: null } });
    const report = `${f}.report.jsonl`;
    writeFileSync(report, readFileSync(report, "utf8").replace('"flag":"maybe"', '"flag":"true"'));
    expect(await run(client, { file: report, fromReport: true })).toMatchObject({ delivered: 1, rejected: 0 });
    expect(sent[1]).toEqual({ type: 3, completion: "rp-1", body: { flag: true, comment: "", tag: null } });
  });

  it("reads a report written by an earlier version (every cell text, an empty one null) as it did", async () => {
    const old =
      '{"row":1,"line":2,"status":"rejected","reason":"$.body.value must be number, got string","input":{"feedback_type_id":"4","completion_id":"old-1","flag":"","value":"4","tag":"","comment":""}}\n';
    const report = file("old.report.jsonl", old);
    const { client, sent } = fakeClient();
    expect(await run(client, { file: report, fromReport: true })).toMatchObject({ delivered: 1, rejected: 0 });
    expect(sent[0]).toEqual({ type: 4, completion: "old-1", body: { flag: null, value: 4, tag: null, comment: null } });
  });
});

describe("summary counts", () => {
  /** Answers the completions in `failing` with a 400 (failed at the API), the others with 200. */
  function failingClient(failing: Set<string>) {
    const sent: unknown[] = [];
    const client: Pick<ParadigmClient, "rate"> = {
      rate: async (_type, completion) => {
        sent.push(completion);
        if (failing.has(String(completion))) throw new BadRequestError(400, new Headers(), { detail: "no" }, "400 Bad Request");
        return { status: 200, headers: new Headers(), requestId: undefined, attempts: 1 };
      },
    };
    return { client, sent };
  }
  const rows = (count: number) =>
    Array.from({ length: count }, (_, i) => `{"feedback_type_id":1,"completion_id":"k${i}","flag":true}`)
      .join("\n")
      .concat("\n");

  it("--retry-failed: resumed counts only checkpoint items delivered in this run; done and expected count each row once", async () => {
    const f = file("counts.jsonl", rows(10));
    const failing = new Set(["k2", "k3"]);
    const { client } = failingClient(failing);
    expect(await run(client, { file: f })).toMatchObject({ delivered: 8, failed: 2, rowsRead: 10, rowsDone: 10, rowsExpected: 10 });
    failing.delete("k2"); // k3 fails again
    const s = await run(client, { file: f, retryFailed: true });
    expect(s).toMatchObject({ delivered: 1, failed: 1, skipped: 10, resumed: 1 });
    expect({ rowsRead: s.rowsRead, rowsDone: s.rowsDone, rowsExpected: s.rowsExpected }).toEqual({ rowsRead: 10, rowsDone: 10, rowsExpected: 10 });
  });

  it("a rerun with nothing to resume counts nothing as resumed", async () => {
    const f = file("counts2.jsonl", rows(4));
    const failing = new Set(["k1"]);
    const { client } = failingClient(failing);
    await run(client, { file: f });
    const s = await run(client, { file: f }); // k1 stays held as failed: not retried, not resumed
    expect(s).toMatchObject({ delivered: 0, failed: 1, resumed: 0, rowsRead: 4, rowsDone: 4, rowsExpected: 4 });
  });
});
