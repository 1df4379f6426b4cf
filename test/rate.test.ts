// rate() and createApi(client) against the Prism mock built from the same spec.
import { describe, expect, inject, it } from "vitest";
import { createApi } from "../src/api/index.ts";
import { AuthenticationError, createParadigmClient, ParadigmValidationError, type RateMediaType, UnprocessableEntityError } from "../src/client/index.ts";

const baseUrl = inject("prismUrl");
const client = createParadigmClient({ apiKey: "test-key", baseUrl });

/** A fetch that records what was sent, then really sends it. */
function recordingFetch() {
  const seen: { url: string; init: RequestInit | undefined }[] = [];
  const f: typeof fetch = (input, init) => {
    seen.push({ url: String(input instanceof Request ? input.url : input), init });
    return fetch(input, init);
  };
  return { seen, fetch: f };
}

describe("rate() against the Prism mock", () => {
  it.each<RateMediaType>(["application/json", "application/x-www-form-urlencoded", "multipart/form-data"])(
    "logs a feedback as %s and resolves with the 2xx",
    async (mediaType) => {
      const res = await client.rate(3, "cmpl-1", { flag: true, value: 4.5, tag: "good", comment: null }, { mediaType });
      expect(res.status).toBe(200);
      expect(res.attempts).toBe(1);
    },
  );

  it("sends null as JSON null and leaves undefined fields out", async () => {
    const rec = recordingFetch();
    const c = createParadigmClient({ apiKey: "k", baseUrl, fetch: rec.fetch });
    await c.rate(3, "c", { value: null, tag: undefined, flag: true });
    expect(rec.seen[0]?.init?.body).toBe('{"value":null,"flag":true}');
  });

  it("sends null as an empty form value (what DRF and Prism read as null), never the string 'null'", async () => {
    const rec = recordingFetch();
    const c = createParadigmClient({ apiKey: "k", baseUrl, fetch: rec.fetch });
    const res = await c.rate(3, "c", { value: null, flag: false, tag: undefined }, { mediaType: "application/x-www-form-urlencoded" });
    expect(res.status).toBe(200);
    expect(rec.seen[0]?.init?.body).toBe("value=&flag=false");
  });

  it("sends multipart as FormData and lets fetch write the boundary", async () => {
    const rec = recordingFetch();
    const c = createParadigmClient({ apiKey: "k", baseUrl, fetch: rec.fetch });
    await c.rate(3, "c", { value: 2, comment: null }, { mediaType: "multipart/form-data" });
    const init = rec.seen[0]?.init as RequestInit;
    expect(init.body).toBeInstanceOf(FormData);
    expect([...(init.body as FormData).entries()] as unknown).toEqual([
      ["value", "2"],
      ["comment", ""],
      ["flag", ""], // a nullable boolean left out is sent empty (null), see test/encode-form-null.test.ts
    ]);
    expect(Object.keys(init.headers as Record<string, string>).map((k) => k.toLowerCase())).not.toContain("content-type");
  });

  it.each([
    ["a slash", "cmpl/with/slash", "cmpl%2Fwith%2Fslash"],
    ["spaces", "cmpl with spaces", "cmpl%20with%20spaces"],
    ["unicode", "réponse-😀-日本", "r%C3%A9ponse-%F0%9F%98%80-%E6%97%A5%E6%9C%AC"],
    ["reserved characters", "a?b#c&d", "a%3Fb%23c%26d"],
  ])("keeps a completion id with %s inside its path segment", async (_, id, encoded) => {
    const rec = recordingFetch();
    const c = createParadigmClient({ apiKey: "k", baseUrl, fetch: rec.fetch });
    const res = await c.rate(7, id, { flag: true });
    expect(res.status).toBe(200);
    expect(rec.seen[0]?.url).toBe(`${baseUrl}/api/v2/rate/7/${encoded}`);
  });

  it("is refused with 401 when the key is missing from the request", async () => {
    const c = createParadigmClient({ apiKey: "k", baseUrl, fetch: (input, init) => fetch(input, { ...init, headers: {} }) });
    const err = await c.rate(3, "c", { flag: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401, deliveryUnknown: false });
    expect((err as AuthenticationError).message).toMatch(/^401 .*security/i);
  });

  it("throws a clear error before sending anything when no key is configured", () => {
    const saved = process.env.PARADIGM_API_KEY;
    delete process.env.PARADIGM_API_KEY;
    try {
      expect(() => createParadigmClient({ baseUrl })).toThrow(/Missing API key.*PARADIGM_API_KEY/);
    } finally {
      if (saved !== undefined) process.env.PARADIGM_API_KEY = saved;
    }
  });
});

describe("inputs Prism flags with 422 are refused locally first", () => {
  // Each case: what our validator says, and proof that Prism (the spec) refuses the same bytes.
  const cases: [string, number, string, unknown, string][] = [
    ["a string flag", 3, "c", { flag: "yes" }, "$.body.flag"],
    ["a string value", 3, "c", { value: "4" }, "$.body.value"],
    ["a numeric comment", 3, "c", { comment: 5 }, "$.body.comment"],
    ["a tag over 120 characters", 3, "c", { tag: "x".repeat(121) }, "$.body.tag"],
    ["a non-integer feedback type", 1.5, "c", { flag: true }, "$.path.feedback_type_id"],
    ["an empty completion id", 3, "", { flag: true }, "$.path.completion_id"],
  ];

  it.each(cases)("refuses %s with nothing sent, and Prism agrees with a 422", async (_, type, id, body, path) => {
    const rec = recordingFetch();
    const c = createParadigmClient({ apiKey: "k", baseUrl, fetch: rec.fetch });
    const err = await c.rate(type, id, body as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmValidationError);
    expect((err as ParadigmValidationError).issues.map((i) => i.path)).toContain(path);
    expect(rec.seen).toHaveLength(0);

    // The same request with validation off reaches Prism, which refuses it.
    const raw = createParadigmClient({ apiKey: "k", baseUrl, validate: false });
    const prism = await raw.rate(type, id, body as never).catch((e: unknown) => e);
    expect(prism).toBeInstanceOf(UnprocessableEntityError);
    expect((prism as UnprocessableEntityError).status).toBe(422);
  });

  it("counts a multipart tag's line breaks as the CRLF pairs the server receives", async () => {
    const tag = `${"x".repeat(117)}\n\n\n`; // 120 characters as written
    expect((await client.rate(3, "c", { tag })).status).toBe(200); // JSON sends 120
    const err = await client.rate(3, "c", { tag }, { mediaType: "multipart/form-data" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmValidationError);
    // Prism, reading the multipart body, agrees that 123 characters arrived.
    const raw = createParadigmClient({ apiKey: "k", baseUrl, validate: false });
    const prism = await raw.rate(3, "c", { tag }, { mediaType: "multipart/form-data" }).catch((e: unknown) => e);
    expect(prism).toBeInstanceOf(UnprocessableEntityError);
  });

  it("surfaces Prism's 422 body in the error message when validation is off", async () => {
    const raw = createParadigmClient({ apiKey: "k", baseUrl, validate: false });
    const err = (await raw.rate(3, "c", { flag: "yes" } as never).catch((e: unknown) => e)) as UnprocessableEntityError;
    expect(err.message).toMatch(/422 .*body\.flag: .*boolean/);
    expect(err.body).toMatchObject({ status: 422, validation: [expect.objectContaining({ location: ["body", "flag"] })] });
  });
});

describe("createApi(client): every operation, typed, through the same chain", () => {
  it("keeps openapi-fetch's { data, error, response } contract on success", async () => {
    const { data, error, response } = await createApi(client).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
      params: { path: { feedback_type_id: 3, completion_id: "c/1" } },
      body: { flag: true },
    });
    expect(response.status).toBe(200);
    expect(error).toBeUndefined();
    expect(data).toBeUndefined();
    expect(response.url).toBe(`${baseUrl}/api/v2/rate/3/c%2F1`);
  });

  it("returns non-2xx as `error`, not a throw", async () => {
    const c = createParadigmClient({ apiKey: "k", baseUrl, validate: false });
    const { error, response } = await createApi(c).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
      params: { path: { feedback_type_id: 3, completion_id: "c" } },
      body: { value: "nope" } as never,
    });
    expect(response.status).toBe(422);
    expect(error).toMatchObject({ status: 422 });
  });

  it("sends the bearer key through the same auth step", async () => {
    const rec = recordingFetch();
    const c = createParadigmClient({ apiKey: "secret-1", baseUrl, fetch: rec.fetch });
    await createApi(c).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", { params: { path: { feedback_type_id: 1, completion_id: "x" } }, body: {} });
    expect(rec.seen[0]?.init?.headers).toMatchObject({ authorization: "Bearer secret-1" });
  });

  it("validates api calls against the spec before sending", async () => {
    const rec = recordingFetch();
    const c = createParadigmClient({ apiKey: "k", baseUrl, fetch: rec.fetch });
    const err = await createApi(c)
      .POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
        params: { path: { feedback_type_id: 3, completion_id: "c" } },
        body: { tag: "😀".repeat(121) },
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ParadigmValidationError);
    expect(rec.seen).toHaveLength(0);
  });

  it.each(["application/x-www-form-urlencoded", "multipart/form-data"])("encodes a %s body chosen by Content-Type", async (media) => {
    const { response } = await createApi(client).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
      params: { path: { feedback_type_id: 3, completion_id: "c" } },
      body: { value: 1.25, flag: null },
      headers: { "Content-Type": media },
    });
    expect(response.status).toBe(200);
  });
});
