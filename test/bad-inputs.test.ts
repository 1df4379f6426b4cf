// Bad inputs are refused before anything is sent: each row names the exact problems (JSON path + message)
// the validator must report, and the fetch must never be called. The rules come from the spec
// (generated/operations.ts, read by src/spec/validate.ts); the rows below are what a JS caller, or a TS caller
// through `any`, can actually pass.
import { describe, expect, inject, it } from "vitest";
import { createApi } from "../src/api/index.ts";
import { createParadigmClient, type ParadigmClientOptions, ParadigmValidationError, type RateOptions } from "../src/client/index.ts";

const ASCII_121 = "x".repeat(121);
const EMOJI_121 = "😀".repeat(121); // 242 UTF-16 units, 121 code points
const MIXED_121 = `${"😀".repeat(60)}${"a".repeat(61)}`;
const WRITABLE = "known: value, flag, comment, tag";

type Row = [label: string, typeId: unknown, completionId: unknown, body: unknown, expected: [path: string, message: RegExp][], options?: RateOptions];

const rows: Row[] = [
  // value: number, nullable
  ["value NaN", 3, "c", { value: Number.NaN }, [["$.body.value", /^must be number \(NaN and ±Infinity cannot be sent as JSON\), got NaN$/]]],
  ["value Infinity", 3, "c", { value: Number.POSITIVE_INFINITY }, [["$.body.value", /^must be number \(NaN and ±Infinity .*\), got Infinity$/]]],
  ["value -Infinity", 3, "c", { value: Number.NEGATIVE_INFINITY }, [["$.body.value", /^must be number \(NaN and ±Infinity .*\), got -Infinity$/]]],
  ["value as a numeric string", 3, "c", { value: "4.5" }, [["$.body.value", /^must be number, got string$/]]],
  ["value as a boolean", 3, "c", { value: true }, [["$.body.value", /^must be number, got boolean$/]]],
  ["value as an object", 3, "c", { value: { stars: 4 } }, [["$.body.value", /^must be number, got object$/]]],
  ["value as a BigInt", 3, "c", { value: 4n }, [["$.body.value", /^must be number, got bigint$/]]],
  // flag: boolean, nullable
  ["flag as the string 'true'", 3, "c", { flag: "true" }, [["$.body.flag", /^must be boolean, got string$/]]],
  ["flag as 1", 3, "c", { flag: 1 }, [["$.body.flag", /^must be boolean, got 1$/]]],
  ["flag as an array", 3, "c", { flag: [true] }, [["$.body.flag", /^must be boolean, got an array$/]]],
  // comment: string, nullable
  ["comment as a number", 3, "c", { comment: 42 }, [["$.body.comment", /^must be string, got 42$/]]],
  ["comment as an object", 3, "c", { comment: { text: "hi" } }, [["$.body.comment", /^must be string, got object$/]]],
  // tag: string, nullable, maxLength 120 (code points)
  ["tag of 121 ASCII characters", 3, "c", { tag: ASCII_121 }, [["$.body.tag", /^must be at most 120 characters, got 121$/]]],
  [
    "tag of 120 characters with 3 line breaks, as multipart (sent as CRLF: 123)",
    3,
    "c",
    { tag: `${"x".repeat(117)}\n\n\n` },
    [["$.body.tag", /^must be at most 120 characters, got 123$/]],
    { mediaType: "multipart/form-data" },
  ],
  ["tag of 121 emoji (each counts once)", 3, "c", { tag: EMOJI_121 }, [["$.body.tag", /^must be at most 120 characters, got 121$/]]],
  ["tag of 60 emoji + 61 letters", 3, "c", { tag: MIXED_121 }, [["$.body.tag", /^must be at most 120 characters, got 121$/]]],
  ["tag as a number", 3, "c", { tag: 5 }, [["$.body.tag", /^must be string, got 5$/]]],
  ["tag as false", 3, "c", { tag: false }, [["$.body.tag", /^must be string, got boolean$/]]],
  // display_value: readOnly
  ["display_value (read-only)", 3, "c", { display_value: "4 stars" }, [["$.body.display_value", /^is read-only: the server sets it/]]],
  ["display_value null (still sent, still read-only)", 3, "c", { display_value: null }, [["$.body.display_value", /^is read-only/]]],
  // keys the spec does not declare
  ["a typo'd key", 3, "c", { vaule: 4 }, [["$.body.vaule", new RegExp(`^is not a property the spec declares \\(${WRITABLE}\\)$`)]]],
  ["a key named like an Object.prototype member", 3, "c", { constructor: 1 }, [["$.body.constructor", /^is not a property the spec declares/]]],
  [
    "an own __proto__ key (from JSON.parse)",
    3,
    "c",
    JSON.parse('{"__proto__": {"flag": true}}'),
    [["$.body.__proto__", /^is not a property the spec declares/]],
  ],
  ["a key that is not an identifier", 3, "c", { "display-value": 1 }, [['$.body["display-value"]', /^is not a property the spec declares/]]],
  // feedback_type_id: integer path parameter
  ["feedback_type_id 1.5", 1.5, "c", {}, [["$.path.feedback_type_id", /^must be an integer, got 1\.5$/]]],
  ["feedback_type_id NaN", Number.NaN, "c", {}, [["$.path.feedback_type_id", /^must be an integer \(NaN and ±Infinity cannot be sent as JSON\), got NaN$/]]],
  ["feedback_type_id Infinity", Number.POSITIVE_INFINITY, "c", {}, [["$.path.feedback_type_id", /^must be an integer \(NaN .*\), got Infinity$/]]],
  ["feedback_type_id as a string", "3", "c", {}, [["$.path.feedback_type_id", /^must be an integer, got string$/]]],
  ["feedback_type_id null", null, "c", {}, [["$.path.feedback_type_id", /^is required$/]]],
  ["feedback_type_id missing", undefined, "c", {}, [["$.path.feedback_type_id", /^is required$/]]],
  [
    "feedback_type_id 2^53 (not exact in JS)",
    2 ** 53,
    "c",
    {},
    [["$.path.feedback_type_id", /^must be an integer within ±\(2\^53 − 1\), got 9007199254740992$/]],
  ],
  ["feedback_type_id 1e21 (would print as 1e+21)", 1e21, "c", {}, [["$.path.feedback_type_id", /^must be an integer within .*, got 1e\+21$/]]],
  // completion_id: string path parameter
  ["completion_id empty", 3, "", {}, [["$.path.completion_id", /^must not be empty \(it would change the URL\)$/]]],
  ["completion_id missing", 3, undefined, {}, [["$.path.completion_id", /^is required$/]]],
  ["completion_id null", 3, null, {}, [["$.path.completion_id", /^is required$/]]],
  ["completion_id as a number", 3, 42, {}, [["$.path.completion_id", /^must be string, got 42$/]]],
  ["completion_id as an object", 3, { id: "c" }, {}, [["$.path.completion_id", /^must be string, got object$/]]],
  ["completion_id '.' (URL parsing would drop the segment)", 3, ".", {}, [["$.path.completion_id", /^must not be "\." \(URLs fold it into another path\)$/]]],
  [
    "completion_id '..' (URL parsing would climb a segment)",
    3,
    "..",
    {},
    [["$.path.completion_id", /^must not be "\.\." \(URLs fold it into another path\)$/]],
  ],
  ["completion_id with a lone surrogate", 3, "cmpl-\ud800", {}, [["$.path.completion_id", /^must be well-formed Unicode \(it has a lone surrogate\)$/]]],
  // the body itself
  ["a null body", 3, "c", null, [["$.body", /^must be object, not null$/]]],
  ["a string body", 3, "c", "flag=true", [["$.body", /^must be object, got string$/]]],
  ["an array body", 3, "c", [{ flag: true }], [["$.body", /^must be object, got an array$/]]],
  ["a Date body", 3, "c", new Date(0), [["$.body", /^must be object, got object$/]]],
  ["a number body", 3, "c", 5, [["$.body", /^must be object, got 5$/]]],
  // media types and combinations
  ["NaN in a form body", 3, "c", { value: Number.NaN }, [["$.body.value", /NaN/]], { mediaType: "application/x-www-form-urlencoded" }],
  ["a long tag in a multipart body", 3, "c", { tag: EMOJI_121 }, [["$.body.tag", /at most 120/]], { mediaType: "multipart/form-data" }],
  // "" and null are the same bytes in a form body (`comment=`), and DRF stores an empty value as null:
  // refused, so "" is never silently turned into null.
  [
    'comment "" in a form body',
    3,
    "c",
    { comment: "" },
    [
      [
        "$.body.comment",
        /^"" cannot be sent in a form body \(application\/x-www-form-urlencoded\): an empty form value means null to the server; send null, or use application\/json$/,
      ],
    ],
    { mediaType: "application/x-www-form-urlencoded" },
  ],
  [
    'comment and tag "" in a multipart body',
    3,
    "c",
    { comment: "", tag: "", flag: true },
    [
      ["$.body.comment", /^"" cannot be sent in a form body \(multipart\/form-data\): an empty form value means null/],
      ["$.body.tag", /^"" cannot be sent in a form body \(multipart\/form-data\)/],
    ],
    { mediaType: "multipart/form-data" },
  ],
  [
    "a media type the spec does not declare",
    3,
    "c",
    { flag: true },
    [["$.body", /^media type text\/plain is not one the spec declares \(application\/json, /]],
    {
      mediaType: "text/plain" as never,
    },
  ],
  [
    "six problems at once, each listed",
    1.5,
    "",
    { value: Number.NaN, tag: EMOJI_121, display_value: 1, vaule: 2, flag: "no" },
    [
      ["$.path.completion_id", /must not be empty/],
      ["$.path.feedback_type_id", /must be an integer/],
      ["$.body.value", /NaN/],
      ["$.body.tag", /at most 120/],
      ["$.body.display_value", /read-only/],
      ["$.body.vaule", /not a property/],
      ["$.body.flag", /must be boolean/],
    ],
  ],
];

/** A client whose fetch only counts: any call means something was sent. */
function counting(options: ParadigmClientOptions = {}) {
  const sent: string[] = [];
  const client = createParadigmClient({
    apiKey: "sk-bad-inputs",
    baseUrl: "https://paradigm.example",
    fetch: async (input) => {
      sent.push(String(input));
      return new Response(null, { status: 204 });
    },
    ...options,
  });
  return { client, sent };
}

describe(`${rows.length} bad inputs to rate(): refused with every problem listed, nothing sent`, () => {
  it("has at least 30 rows", () => {
    expect(rows.length).toBeGreaterThanOrEqual(30);
  });

  it.each(rows)("%s", async (_, typeId, completionId, body, expected, options) => {
    const { client, sent } = counting();
    const err = await client.rate(typeId as never, completionId as never, body as never, options).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmValidationError);
    const { issues, message } = err as ParadigmValidationError;
    // Exactly the expected problems, each at its JSON path with a clear message.
    expect(issues.map((i) => i.path).sort()).toEqual(expected.map(([p]) => p).sort());
    for (const [path, re] of expected) expect(issues.find((i) => i.path === path)?.message).toMatch(re);
    const n = expected.length;
    expect(message.startsWith(`Invalid request (${n} problem${n === 1 ? "" : "s"}, nothing sent): `)).toBe(true);
    for (const i of issues) expect(message).toContain(`${i.path} ${i.message}`);
    expect(sent).toEqual([]);
  });
});

describe("bad inputs to createApi(client): same validator, nothing sent", () => {
  const PATH = "/api/v2/rate/{feedback_type_id}/{completion_id}";
  it.each([
    ["a string feedback_type_id", { feedback_type_id: "3", completion_id: "c" }, {}, "$.path.feedback_type_id"],
    ["an empty completion_id", { feedback_type_id: 3, completion_id: "" }, {}, "$.path.completion_id"],
    ["NaN in the body", { feedback_type_id: 3, completion_id: "c" }, { value: Number.NaN }, "$.body.value"],
    ["display_value in the body", { feedback_type_id: 3, completion_id: "c" }, { display_value: true }, "$.body.display_value"],
  ])("%s", async (_, path, body, at) => {
    const { client, sent } = counting();
    const err = await createApi(client)
      .POST(PATH, { params: { path: path as never }, body: body as never })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmValidationError);
    expect((err as ParadigmValidationError).issues.map((i) => i.path)).toEqual([at]);
    expect(sent).toEqual([]);
  });
});

describe("with validate: false, a body JSON cannot encode is still refused before sending", () => {
  it.each([
    ["a BigInt", { value: 1n }, /^\$\.body cannot be encoded as application\/json \(.*BigInt/],
    [
      "a cycle",
      (() => {
        const o: Record<string, unknown> = { flag: true };
        o.self = o;
        return o;
      })(),
      /^\$\.body cannot be encoded as application\/json \(.*circular/i,
    ],
  ])("%s", async (_, body, re) => {
    const { client, sent } = counting({ validate: false });
    const err = await client.rate(3, "c", body as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmValidationError);
    expect((err as ParadigmValidationError).issues.map((i) => `${i.path} ${i.message}`)[0]).toMatch(re);
    expect(sent).toEqual([]);
  });
});

describe("with validate: false, a lone surrogate in the path does not crash", () => {
  it("is sent as U+FFFD instead of throwing a URIError", async () => {
    const { client, sent } = counting({ validate: false });
    await client.rate(3, "a\ud800b", {});
    expect(sent).toEqual(["https://paradigm.example/api/v2/rate/3/a%EF%BF%BDb"]);
  });
});

describe("the boundaries are accepted, and Prism (the spec) accepts them too", () => {
  const client = createParadigmClient({ apiKey: "k", baseUrl: inject("prismUrl") });
  it.each([
    ["a tag of exactly 120 emoji", 3, "c", { tag: "😀".repeat(120) }],
    ["a tag of exactly 120 letters", 3, "c", { tag: "x".repeat(120) }],
    ["every field null", 3, "c", { value: null, flag: null, comment: null, tag: null }],
    ["an empty object", 3, "c", {}],
    ["undefined fields (dropped)", 3, "c", { value: undefined, tag: undefined }],
    ["feedback_type_id 0", 0, "c", { flag: false }],
    ["the largest safe feedback_type_id", Number.MAX_SAFE_INTEGER, "c", { flag: false }],
    ["a blank completion id", 3, " ", { flag: true }],
    ['an empty comment in JSON (sent as "")', 3, "c", { comment: "" }],
    ["extreme finite values", 3, "c", { value: -Number.MAX_VALUE }],
    ["the smallest positive value", 3, "c", { value: Number.MIN_VALUE }],
  ])("%s", async (_, typeId, completionId, body) => {
    const res = await client.rate(typeId, completionId, body as never);
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(res.status).toBeLessThan(300);
  });
});
