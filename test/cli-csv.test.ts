// The CSV parser behind `paradigm-client import`: RFC 4180 quoting, any line ending, any chunking, and
// per-record errors instead of a failed import.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CsvParser, csvField, parseCsv } from "../src/cli/csv.ts";
import { typeCell } from "../src/cli/import.ts";

const values = (text: string) => parseCsv(text).map((r) => r.fields.map((f) => f.value));

describe("parseCsv", () => {
  it("reads quoted fields holding commas, doubled quotes and line breaks", () => {
    const text = 'a,b,c\n"x, y","say ""hi""","two\nlines"\n';
    expect(values(text)).toEqual([
      ["a", "b", "c"],
      ["x, y", 'say "hi"', "two\nlines"],
    ]);
  });

  it("accepts CRLF, LF and lone CR, a BOM, no final line break, and skips blank lines", () => {
    expect(values("\uFEFFa,b\r\n1,2\r3,4\n\n5,6")).toEqual([
      ["a", "b"],
      ["1", "2"],
      ["3", "4"],
      ["5", "6"],
    ]);
  });

  it("tells an unquoted empty cell from a quoted empty one", () => {
    expect(parseCsv('a,"",c\n')[0]?.fields).toEqual([
      { value: "a", quoted: false },
      { value: "", quoted: true },
      { value: "c", quoted: false },
    ]);
  });

  it("numbers each record by the line it starts on, counting quoted line breaks", () => {
    expect(parseCsv('h\n"1\n2\n3"\nx\n').map((r) => r.line)).toEqual([1, 2, 5]);
  });

  it.each([
    ['"ab"c,d', /after a closing quote/],
    ['ab"c,d', /quote inside unquoted field 1/],
  ])("reports a malformed record (%j) on that record, and parses the next one", (bad, message) => {
    const records = parseCsv(`h1,h2\n${bad}\nnext,row\n`);
    expect(records.map((r) => r.error)).toEqual([undefined, expect.stringMatching(message), undefined]);
    expect(records[2]?.fields.map((f) => f.value)).toEqual(["next", "row"]);
  });

  it("reports a quoted field left open at the end of the input", () => {
    const records = parseCsv('h1,h2\nok,"never closed\nmore');
    expect(records).toHaveLength(2);
    expect(records[1]?.error).toMatch(/opened on line 2 is never closed/);
  });

  it("reads back what csvField wrote, whatever the content and however the text is chunked", () => {
    const cell = fc.string({ unit: fc.constantFrom("a", "b", ",", '"', "\n", "\r", " ", "é", "😀") });
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 7 }), (rows, step) => {
        // A lone empty unquoted field would be a blank line, which the parser skips: quote it.
        const text = rows.map((r) => r.map((v) => (r.length === 1 && v === "" ? '""' : csvField(v))).join(",")).join("\r\n");
        const p = new CsvParser();
        const got = [];
        for (let i = 0; i < text.length; i += step) got.push(...p.push(text.slice(i, i + step)));
        got.push(...p.end());
        expect(got.map((r) => r.fields.map((f) => f.value))).toEqual(rows);
        expect(got.every((r) => r.error === undefined)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("typeCell (types a cell by the spec's schema)", () => {
  it.each([
    [{ type: "boolean", nullable: true }, "true", false, true],
    [{ type: "boolean", nullable: true }, "FALSE", false, false],
    [{ type: "boolean", nullable: true }, "yes", false, "yes"],
    [{ type: "number", nullable: true }, "4.5", false, 4.5],
    [{ type: "number", nullable: true }, "-1e3", false, -1000],
    [{ type: "number", nullable: true }, "four", false, "four"],
    [{ type: "integer" }, "3", false, 3],
    [{ type: "string", nullable: true }, "123", false, "123"],
    [{ type: "string", nullable: true }, "", false, null],
    [{ type: "string", nullable: true }, "", true, ""],
  ] as const)("%j: %j (quoted %s) → %j", (schema, text, quoted, expected) => {
    expect(typeCell(schema, text, quoted)).toEqual(expected);
  });
});
