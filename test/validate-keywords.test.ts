// The validator's keywords beyond today's spec, on schemas written here (no generate step): multipleOf on
// decimals, OpenAPI 3.1 type arrays, uniqueItems. And, on today's rate operation, the form-body rule
// for "" (an empty form value is null to DRF, so "" for a nullable field is refused, never sent as null).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ValidationIssue } from "../src/core/errors.ts";
import { check, operationSpec, type Schema, validateOperation } from "../src/spec/validate.ts";

const problems = (s: Schema, v: unknown) => {
  const out: ValidationIssue[] = [];
  check(s, v, "$", out);
  return out.map((i) => i.message);
};

describe("multipleOf is exact on the decimals that are sent", () => {
  it.each([
    [0.3, 0.1],
    [0.7, 0.1],
    [1.1, 0.1],
    [4.35, 0.05],
    [19.99, 0.01],
    [-0.3, 0.1],
    [0, 0.1],
    [1e-7, 1e-8],
    [123456789.12, 0.01],
    [1e21, 0.5],
    [12, 4],
    [7.5, 2.5],
  ])("%s is a multiple of %s", (v, m) => {
    expect(problems({ type: "number", multipleOf: m }, v)).toEqual([]);
  });

  it.each([
    [0.35, 0.1],
    [0.301, 0.1],
    [19.999, 0.01],
    [1e-9, 1e-8],
    [13, 4],
    [7.6, 2.5],
    [0.1, 0.3],
  ])("%s is not a multiple of %s", (v, m) => {
    expect(problems({ type: "number", multipleOf: m }, v)).toEqual([`must be a multiple of ${m}`]);
  });
});

describe("multipleOf, as a property: k × m written as a decimal is a multiple of m, and k × m + m/2 is not", () => {
  it.each([0.1, 0.01, 0.05, 0.25, 0.001, 2.5])("m = %s", (m) => {
    const places = (String(m).split(".")[1] ?? "").length + 1;
    fc.assert(
      fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), (k) => {
        // toFixed writes the exact decimal a person (or a server) means by k × m; the double product may be off.
        const v = Number((k * m).toFixed(places));
        const off = Number((k * m + m / 2).toFixed(places));
        expect(problems({ type: "number", multipleOf: m }, v)).toEqual([]);
        expect(problems({ type: "number", multipleOf: m }, off)).toEqual([`must be a multiple of ${m}`]);
      }),
      { numRuns: 500 },
    );
  });
});

describe("OpenAPI 3.1 type arrays are enforced", () => {
  const s: Schema = { type: ["string", "null"], maxLength: 3 };
  it("accepts each listed type and refuses the others, naming them", () => {
    expect(problems(s, "abc")).toEqual([]);
    expect(problems(s, null)).toEqual([]);
    expect(problems(s, "abcd")).toEqual(["must be at most 3 characters, got 4"]);
    expect(problems(s, 4)).toEqual(["must be string or null, got 4"]);
    expect(problems({ type: ["integer", "string"] }, 1.5)).toEqual(["must be an integer or string, got 1.5"]);
    expect(problems({ type: ["integer", "string"] }, null)).toEqual(["must be integer or string, not null"]);
  });
});

describe("uniqueItems is enforced with JSON equality", () => {
  const s: Schema = { type: "array", uniqueItems: true };
  it("refuses equal items (key order aside) and names the first pair", () => {
    expect(problems(s, [1, 2, 3])).toEqual([]);
    expect(problems(s, [1, 2, 1])).toEqual(["must have unique items ([0] and [2] are equal)"]);
    expect(
      problems(s, [
        { a: 1, b: [2] },
        { b: [2], a: 1 },
      ]),
    ).toEqual(["must have unique items ([0] and [1] are equal)"]);
    expect(problems(s, [{ a: 1 }, { a: 2 }, "1", 1])).toEqual([]);
  });
  it("does not call two different files equal", () => {
    expect(problems(s, [new Blob(["a"]), new Blob(["b"])])).toEqual([]);
  });
});

describe('"" in a form or multipart body', () => {
  const op = operationSpec("POST", "/api/v2/rate/{feedback_type_id}/{completion_id}");
  if (!op) throw new Error("no rate operation in generated/operations.ts");
  const issues = (body: unknown, mediaType?: string) =>
    validateOperation(op, { path: { feedback_type_id: 1, completion_id: "c" }, body, mediaType }).map((i) => `${i.path} ${i.message}`);

  it.each(["application/x-www-form-urlencoded", "multipart/form-data"])("is refused for a nullable field in %s, naming the fix", (media) => {
    expect(issues({ comment: "", tag: "" }, media)).toEqual([
      `$.body.comment "" cannot be sent in a form body (${media}): an empty form value means null to the server; send null, or use application/json`,
      `$.body.tag "" cannot be sent in a form body (${media}): an empty form value means null to the server; send null, or use application/json`,
    ]);
    expect(issues({ comment: null, tag: " " }, media)).toEqual([]);
  });

  it("is sent as is in JSON", () => {
    expect(issues({ comment: "" })).toEqual([]);
    expect(issues({ comment: "" }, "application/json")).toEqual([]);
  });
});
