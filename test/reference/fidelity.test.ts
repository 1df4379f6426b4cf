// Fidelity: feedbacks × the three media types the spec declares, sent with rate() to the DRF 3.14 reference server
// and read back from what Django stored. Each value must be stored as sent, each null as null, each left-out
// field as null. The figure "stored as sent / total" per media type is printed at the end (stderr).
//
// What the stack does on its own, pinned here:
//  - multipart: undici's FormData serialisation turns every line break (\n, \r, \r\n) into CRLF, as the HTML
//    spec's multipart/form-data encoding says; the client sends that and documents it, so CRLF is "as sent" there.
//  - DRF's CharField trims surrounding whitespace (trim_whitespace=True), in every media type.
// Known defects of DRF before 3.15 that the client must work around (issue 10):
//  - a nullable boolean left out of a form or multipart body is stored false (BooleanField.default_empty_html);
//  - in a form or multipart body, "" and null are the same bytes (`comment=`), which DRF stores as null.
import { isDeepStrictEqual } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { BadRequestError, type FeedbackInput, ParadigmValidationError, type RateMediaType } from "../../src/client/index.ts";
import type { StoredFeedback } from "../reference-server/start.ts";
import { useReference } from "./reference.ts";

const MEDIA: RateMediaType[] = ["application/json", "application/x-www-form-urlencoded", "multipart/form-data"];

// 120 code points (DRF's max_length counts code points): accents, CJK, an emoji, and one with a skin tone (2 code points).
const TAG_120 = "é日😀👍🏽".repeat(24);

interface Case {
  name: string;
  completionId: string;
  feedback: FeedbackInput;
}

const cases: Case[] = [
  { name: "a thumbs up", completionId: "cmpl-1", feedback: { flag: true } },
  { name: "a thumbs down", completionId: "cmpl-2", feedback: { flag: false } },
  { name: "a value alone (flag, comment, tag left out)", completionId: "cmpl with spaces", feedback: { value: 4.5 } },
  { name: "zero (flag left out)", completionId: "a+b", feedback: { value: 0 } },
  { name: "a negative value and a tag", completionId: "100%", feedback: { value: -2.25, tag: "ok" } },
  { name: "a double that needs 17 digits", completionId: "%41%2B+%", feedback: { value: 0.1 + 0.2 } },
  { name: "a tag alone", completionId: "réponse-😀-日本", feedback: { tag: "helpful" } },
  { name: "every field null", completionId: "cmpl-null", feedback: { value: null, flag: null, comment: null, tag: null } },
  { name: "every field set", completionId: "cmpl-all", feedback: { value: 3, flag: true, comment: "fine", tag: "t" } },
  { name: "false with nulls", completionId: "cmpl-false", feedback: { flag: false, value: null, comment: null, tag: null } },
  { name: "a 120-code-point tag of unicode and emoji", completionId: "emoji 👍🏽 + % é", feedback: { tag: TAG_120 } },
  { name: "a comment with \\n line breaks", completionId: "multi-lf", feedback: { comment: "first line\nsecond line\n\nfourth" } },
  { name: "a comment with \\r\\n line breaks", completionId: "multi-crlf", feedback: { comment: "first line\r\nsecond line" } },
  { name: "a comment with unicode and a combining accent", completionId: "cmpl-é", feedback: { comment: "Très bien 😀 — 日本語, e\u0301" } },
];

const crlf = (s: string) => s.replace(/\r\n|\r|\n/g, "\r\n");

/** The row Django should hold: every field as sent, null for null and for left out; multipart text with CRLF breaks. */
function expectedRow(c: Case, media: RateMediaType): Omit<StoredFeedback, "id"> {
  const text = (v: string | null | undefined) => (v == null ? null : media === "multipart/form-data" ? crlf(v) : v);
  return {
    feedback_type_id: 1,
    completion_id: c.completionId,
    value: c.feedback.value ?? null,
    flag: c.feedback.flag ?? null,
    comment: text(c.feedback.comment),
    tag: text(c.feedback.tag),
  };
}

const tally = new Map<RateMediaType, { asSent: number; total: number; wrong: string[] }>(MEDIA.map((m) => [m, { asSent: 0, total: 0, wrong: [] }]));

// One server for the file, reset before each test.
const ref = useReference();

describe("rate() to Django REST framework 3.14, read back from the database", () => {
  it("uses a tag of exactly 120 code points", () => {
    expect([...TAG_120]).toHaveLength(120);
  });

  describe.each(MEDIA)("as %s", (media) => {
    it.each(cases)("stores $name as sent", async (c) => {
      const t = tally.get(media) as { asSent: number; total: number; wrong: string[] };
      t.total++;
      await ref.client.rate(1, c.completionId, c.feedback, { mediaType: media });
      const rows = (await ref.server.stored()).map(({ id: _, ...row }) => row);
      const expected = expectedRow(c, media);
      if (rows.length === 1 && isDeepStrictEqual(rows[0], expected)) t.asSent++;
      else t.wrong.push(`${c.name}: ${JSON.stringify(rows)}`);
      expect(rows).toEqual([expected]);
    });
  });

  afterAll(() => {
    const lines = MEDIA.map((m) => {
      const t = tally.get(m) as { asSent: number; total: number; wrong: string[] };
      return `  ${m}: ${t.asSent}/${t.total}${t.wrong.length ? `\n${t.wrong.map((w) => `    wrong: ${w}`).join("\n")}` : ""}`;
    });
    const all = [...tally.values()].reduce((s, t) => ({ asSent: s.asSent + t.asSent, total: s.total + t.total }), { asSent: 0, total: 0 });
    console.error(`fidelity (stored as sent / total): ${all.asSent}/${all.total}\n${lines.join("\n")}`);
  });
});

describe("the empty string, which DRF cannot store in a nullable CharField without blank=True", () => {
  it('JSON: "" reaches the server, which answers 400 "This field may not be blank." as a BadRequestError; nothing stored', async () => {
    const err = await ref.client.rate(1, "cmpl-empty", { comment: "" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toMatchObject({ status: 400, body: { comment: ["This field may not be blank."] } });
    expect((err as BadRequestError).message).toBe("400 Bad Request: comment: This field may not be blank.");
    expect(await ref.server.stored()).toEqual([]);
  });

  it.each(["application/x-www-form-urlencoded", "multipart/form-data"] as const)(
    '%s: "" is refused before sending (it would travel as null), nothing reaches the server',
    async (media) => {
      let requests = 0;
      const counting = ref.clientWith({
        fetch: (input, init) => {
          requests++;
          return fetch(input, init);
        },
      });
      for (const feedback of [{ comment: "" }, { tag: "" }] satisfies FeedbackInput[]) {
        const err = await counting.rate(1, "cmpl-empty", feedback, { mediaType: media }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ParadigmValidationError);
      }
      expect(requests).toBe(0);
      expect(await ref.server.stored()).toEqual([]);
    },
  );
});

describe("what DRF itself does to text, in every media type", () => {
  it.each(MEDIA)("%s: surrounding whitespace is trimmed (CharField trim_whitespace)", async (media) => {
    await ref.client.rate(1, "cmpl-trim", { comment: "  padded \n", tag: "\ttabbed " }, { mediaType: media });
    expect(await ref.server.stored()).toMatchObject([{ comment: "padded", tag: "tabbed" }]);
  });

  it.each(MEDIA)('%s: a whitespace-only comment is trimmed to "" and refused as blank (400)', async (media) => {
    const err = await ref.client.rate(1, "cmpl-trim", { comment: "   " }, { mediaType: media }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).message).toBe("400 Bad Request: comment: This field may not be blank.");
    expect(await ref.server.stored()).toEqual([]);
  });
});
