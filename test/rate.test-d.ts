// Compile-time promises of rate() and createApi(client). Run by `npm run test:types` (vitest --typecheck.only).
import { describe, expectTypeOf, it } from "vitest";
import { createApi, type ParadigmApi } from "../src/api/index.ts";
import type * as api from "../src/client/index.ts";
import { createParadigmClient, type Feedback, type FeedbackInput, type RateResult } from "../src/client/index.ts";

const client = createParadigmClient({ apiKey: "k" });
const RATE = "/api/v2/rate/{feedback_type_id}/{completion_id}" as const;

describe("rate()", () => {
  it("accepts a boolean flag, a number, a tag or a comment", () => {
    expectTypeOf(client.rate(3, "c", { flag: true })).toEqualTypeOf<Promise<RateResult>>();
    client.rate(3, "c", { value: 4.5 });
    client.rate(3, "c", { tag: "good", comment: null });
    client.rate(3, "c", {}, { mediaType: "multipart/form-data", timeoutMs: 1000, maxRetries: 0 });
  });

  it("refuses the readOnly display_value", () => {
    // @ts-expect-error display_value is readOnly: the server sets it
    client.rate(3, "c", { flag: true, display_value: "yes" });
  });

  it("refuses a string feedback_type_id and a numeric completion_id", () => {
    // @ts-expect-error feedback_type_id is an integer in the spec
    client.rate("3", "c", { flag: true });
    // @ts-expect-error completion_id is a string in the spec
    client.rate(3, 42, { flag: true });
  });

  it("refuses wrongly typed fields", () => {
    // @ts-expect-error flag is boolean | null
    client.rate(3, "c", { flag: "yes" });
    // @ts-expect-error value is number | null
    client.rate(3, "c", { value: "4" });
    // @ts-expect-error an undeclared media type
    client.rate(3, "c", {}, { mediaType: "text/plain" });
  });

  it("derives its input type from the generated schema, minus readOnly fields", () => {
    expectTypeOf<FeedbackInput>().toHaveProperty("flag").toEqualTypeOf<boolean | null | undefined>();
    expectTypeOf<FeedbackInput>().toHaveProperty("tag").toEqualTypeOf<string | null | undefined>();
    expectTypeOf<Feedback>().toHaveProperty("display_value");
    expectTypeOf<Parameters<typeof client.rate>[0]>().toEqualTypeOf<number>();
    expectTypeOf<Parameters<typeof client.rate>[1]>().toEqualTypeOf<string>();
  });
});

describe("createApi(client)", () => {
  it("infers path params and body from the path string", () => {
    createApi(client).POST(RATE, { params: { path: { feedback_type_id: 3, completion_id: "c" } }, body: { flag: true } });
    // @ts-expect-error feedback_type_id must be a number
    createApi(client).POST(RATE, { params: { path: { feedback_type_id: "3", completion_id: "c" } }, body: {} });
    // @ts-expect-error display_value is readOnly
    createApi(client).POST(RATE, { params: { path: { feedback_type_id: 3, completion_id: "c" } }, body: { display_value: 1 } });
    // @ts-expect-error no GET is declared on this path
    createApi(client).GET(RATE, { params: { path: { feedback_type_id: 3, completion_id: "c" } } });
    // @ts-expect-error unknown path
    createApi(client).POST("/api/v2/nope", {});
  });

  it("keeps openapi-fetch's { data, error, response } result", async () => {
    const r = await createApi(client).POST(RATE, { params: { path: { feedback_type_id: 3, completion_id: "c" } }, body: {} });
    expectTypeOf(r.response).toEqualTypeOf<Response>();
    expectTypeOf(r).toHaveProperty("data");
    expectTypeOf(r).toHaveProperty("error");
  });

  it("is openapi-fetch's Client over every path, the same type the main entry names", () => {
    expectTypeOf(createApi(client)).toEqualTypeOf<ParadigmApi>();
    expectTypeOf<ParadigmApi>().toEqualTypeOf<api.ParadigmApi>();
    expectTypeOf(createApi(client).GET).toBeFunction();
  });

  it("takes a client only, and the client itself carries no `api`", () => {
    expectTypeOf<api.ParadigmClient>().not.toHaveProperty("api");
    // @ts-expect-error a plain object is not a client
    createApi({});
    // @ts-expect-error nor is the key
    createApi("k");
  });
});

/** True when a `$read` / `$write` marker (openapi-typescript's) is anywhere inside T. */
type HasMarker<T, Depth extends unknown[] = []> = Depth["length"] extends 6
  ? false
  : T extends object
    ? "$read" extends keyof T
      ? true
      : "$write" extends keyof T
        ? true
        : true extends { [K in keyof T]-?: HasMarker<T[K], [...Depth, 0]> }[keyof T]
          ? true
          : false
    : false;

describe("schema types look like the JSON on the wire", () => {
  it("types a response's Feedback as it reads: display_value is a plain boolean | string | number", () => {
    const f: Feedback = { display_value: 4, flag: null, value: 4, tag: "good", comment: null };
    const g: Feedback = JSON.parse('{"display_value":"yes"}') as Feedback;
    expectTypeOf<Feedback["display_value"]>().toEqualTypeOf<boolean | string | number>();
    expectTypeOf<Feedback["flag"]>().toEqualTypeOf<boolean | null | undefined>();
    expectTypeOf<HasMarker<Feedback>>().toEqualTypeOf<false>();
    // @ts-expect-error display_value is required in what the server returns
    const h: Feedback = { flag: true };
    void [f, g, h];
  });

  it("types what you send without the readOnly fields, and with no markers", () => {
    const input: FeedbackInput = { value: 2, tag: undefined, flag: null };
    // @ts-expect-error display_value is set by the server
    const bad: FeedbackInput = { display_value: 4 };
    expectTypeOf<HasMarker<FeedbackInput>>().toEqualTypeOf<false>();
    void [input, bad];
  });

  it("covers every component by name, read and write forms, with no hand-written type per schema", () => {
    expectTypeOf<api.ReadSchema<"Feedback">>().toEqualTypeOf<Feedback>();
    expectTypeOf<api.WriteSchema<"Feedback">["flag"]>().toEqualTypeOf<boolean | null | undefined>();
    expectTypeOf<HasMarker<api.ReadSchema<api.SchemaName>>>().toEqualTypeOf<false>();
    expectTypeOf<HasMarker<api.WriteSchema<api.SchemaName>>>().toEqualTypeOf<false>();
    // @ts-expect-error not a component of the spec
    expectTypeOf<api.ReadSchema<"Nope">>().not.toBeNever();
  });
});
