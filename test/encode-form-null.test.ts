// A nullable boolean left out of a form or multipart body reads back as null, as in JSON. DRF before 3.15 stores
// `false` for a BooleanField missing from an HTML-form body (BooleanField.default_empty_html), so the encoder sends
// such a field as an empty value (`flag=`), which DRF 3.14 and 3.15 both read as null (allow_null). Which fields
// qualify comes from the spec's body schema, not from a list written here.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApi } from "../src/api/index.ts";
import { createParadigmClient, type RateMediaType } from "../src/client/index.ts";
import { encodeBody } from "../src/spec/encode.ts";
import type { Schema } from "../src/spec/validate.ts";
import { type FaultServer, reply, startFaultServer } from "./fault-server.ts";

const FORM = "application/x-www-form-urlencoded";
const MULTIPART = "multipart/form-data";
const RATE = "/api/v2/rate/{feedback_type_id}/{completion_id}";

let server: FaultServer;
beforeAll(async () => {
  server = await startFaultServer([reply(200)]);
});
afterAll(() => server.close());

/** Sends one rating and returns the request exactly as the server read it. */
async function sent(feedback: Record<string, unknown>, mediaType: RateMediaType) {
  const before = server.requests.length;
  await createParadigmClient({ apiKey: "k", baseUrl: server.url }).rate(1, "cmpl-1", feedback as never, { mediaType });
  const req = server.requests[before];
  if (!req) throw new Error("nothing reached the server");
  return req;
}

/** The fields of a multipart body, in order, as a server parses them. */
async function parts(req: { body: string; headers: Record<string, unknown> }): Promise<[string, string][]> {
  const form = await new Response(req.body, { headers: { "content-type": String(req.headers["content-type"]) } }).formData();
  return [...form.entries()].map(([k, v]) => [k, String(v)]);
}

describe("form bodies: a nullable boolean left out is sent empty (null), not left for DRF to store as false", () => {
  it.each<[string, Record<string, unknown>, string]>([
    ["left out", { value: 4.5 }, "value=4.5&flag="],
    ["passed as undefined", { value: 4.5, flag: undefined }, "value=4.5&flag="],
    ["null", { value: 4.5, flag: null }, "value=4.5&flag="],
    ["true", { flag: true }, "flag=true"],
    ["false", { flag: false, tag: "t" }, "flag=false&tag=t"],
  ])("flag %s: sends exactly the expected bytes", async (_, feedback, bytes) => {
    const req = await sent(feedback, FORM);
    expect(req.body).toBe(bytes);
    expect(req.headers["content-type"]).toBe(FORM);
  });

  it("leaves JSON alone: a left-out field stays out (DRF reads it as null there)", async () => {
    expect((await sent({ value: 4.5 }, "application/json")).body).toBe('{"value":4.5}');
  });

  it("leaves other left-out fields out (DRF reads a missing number or text field as null or its default)", async () => {
    expect((await sent({ flag: true }, FORM)).body).toBe("flag=true");
  });
});

describe("multipart bodies, the same", () => {
  it.each<[string, Record<string, unknown>, [string, string][]]>([
    [
      "left out",
      { value: 4.5 },
      [
        ["value", "4.5"],
        ["flag", ""],
      ],
    ],
    [
      "passed as undefined",
      { flag: undefined, comment: "c" },
      [
        ["comment", "c"],
        ["flag", ""],
      ],
    ],
    ["false", { flag: false }, [["flag", "false"]]],
  ])("flag %s", async (_, feedback, expected) => {
    const req = await sent(feedback, MULTIPART);
    expect(await parts(req)).toEqual(expected);
    // An empty part: the headers' blank line, then the CRLF that ends the (empty) value.
    if (expected.some(([k, v]) => k === "flag" && v === "")) expect(req.body).toContain('Content-Disposition: form-data; name="flag"\r\n\r\n\r\n--');
  });
});

describe("createApi(client) goes through the same encoding", () => {
  it.each([FORM, MULTIPART])("%s: a left-out nullable boolean is sent empty", async (media) => {
    const before = server.requests.length;
    const client = createParadigmClient({ apiKey: "k", baseUrl: server.url });
    const { response } = await createApi(client).POST(RATE, {
      params: { path: { feedback_type_id: 1, completion_id: "c" } },
      body: { value: 2 },
      headers: { "Content-Type": media },
    });
    expect(response.status).toBe(200);
    const req = server.requests[before];
    if (!req) throw new Error("nothing reached the server");
    if (media === FORM) expect(req.body).toBe("value=2&flag=");
    else
      expect(await parts(req)).toEqual([
        ["value", "2"],
        ["flag", ""],
      ]);
  });
});

describe("driven by the body schema", () => {
  // A schema as a next spec might write it: $ref'd nullable booleans, a plain boolean, a readOnly one.
  const schema: Schema = {
    type: "object",
    properties: {
      archived: { type: "boolean", nullable: true },
      pinned: { type: "boolean" },
      seen: { type: "boolean", nullable: true, readOnly: true },
      score: { type: "number", nullable: true },
      flag: { type: "boolean", nullable: true },
    },
  };

  it("sends every writable nullable boolean that was left out, and nothing else", () => {
    const { body } = encodeBody({ score: 1, flag: true }, FORM, schema);
    expect(body).toBe("score=1&flag=true&archived=");
  });

  it("changes nothing without a schema, or for JSON", () => {
    expect(encodeBody({ score: 1 }, FORM).body).toBe("score=1");
    expect(encodeBody({ score: 1 }, "application/json", schema).body).toBe('{"score":1}');
  });
});

describe("Prism (the spec) accepts the empty value for a nullable boolean", () => {
  const prism = inject("prismUrl");
  it.each<RateMediaType>([FORM, MULTIPART])("%s", async (mediaType) => {
    const client = createParadigmClient({ apiKey: "k", baseUrl: prism });
    expect((await client.rate(1, "cmpl-1", { value: 4.5 }, { mediaType })).status).toBe(200);
    expect((await client.rate(1, "cmpl-1", { tag: "t", flag: undefined }, { mediaType })).status).toBe(200);
  });
});
