// DRF's own error answers, as the client surfaces them: typed errors whose messages are DRF's words.
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { createApi } from "../../src/api/index.ts";
import { AuthenticationError, BadRequestError, NotFoundError, ParadigmAPIError } from "../../src/client/index.ts";
import { REFERENCE_KEY, useReference } from "./reference.ts";

const ref = useReference();
const caught = (p: Promise<unknown>) =>
  p.then(
    () => expect.fail("resolved"),
    (e: unknown) => e,
  );

describe("DRF's error bodies become typed errors", () => {
  it("400 with field errors: a tag over 120 code points (validate: false), in DRF's words", async () => {
    const err = await caught(ref.clientWith({ validate: false }).rate(1, "cmpl-1", { tag: "é".repeat(121) }));
    expect(err).toBeInstanceOf(BadRequestError);
    expect(err).toMatchObject({ status: 400, deliveryUnknown: false, body: { tag: ["Ensure this field has no more than 120 characters."] } });
    expect((err as BadRequestError).message).toBe("400 Bad Request: tag: Ensure this field has no more than 120 characters.");
    expect(await ref.server.stored()).toEqual([]);
  });

  it("400 naming every field DRF refused", async () => {
    const err = await caught(ref.clientWith({ validate: false }).rate(1, "cmpl-1", { value: "many", flag: "maybe" } as never));
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).body).toEqual({ value: ["A valid number is required."], flag: ["Must be a valid boolean."] });
    expect((err as BadRequestError).message).toMatch(/^400 Bad Request: .*value: A valid number is required\..*flag: Must be a valid boolean\./);
  });

  it("401 for an unknown key, with DRF's detail and WWW-Authenticate: Bearer; the key is never shown", async () => {
    const wrongKey = "sk-not-a-reference-key-4d2a";
    const err = await caught(ref.clientWith({ apiKey: wrongKey }).rate(1, "cmpl-1", { flag: true }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ status: 401, body: { detail: "Invalid token." } });
    expect((err as AuthenticationError).message).toBe("401 Unauthorized: Invalid token.");
    expect((err as AuthenticationError).headers.get("www-authenticate")).toBe("Bearer");
    expect(`${JSON.stringify(err)} ${inspect(err, { depth: 5 })}`).not.toContain(wrongKey);
  });

  it("401 when no Authorization header arrives: 'Authentication credentials were not provided.'", async () => {
    const stripped = ref.clientWith({ fetch: (input, init) => fetch(input, { ...init, headers: {} }) });
    const err = await caught(stripped.rate(1, "cmpl-1", { flag: true }));
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).message).toBe("401 Unauthorized: Authentication credentials were not provided.");
    expect(`${inspect(err, { depth: 5 })}`).not.toContain(REFERENCE_KEY);
  });

  it("404 for an unknown feedback type, with DRF's detail", async () => {
    const err = await caught(ref.client.rate(99, "cmpl-1", { flag: true }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ status: 404, body: { detail: "Not found." }, deliveryUnknown: false });
    expect((err as NotFoundError).message).toBe("404 Not Found: Not found.");
  });

  it("415 for a media type DRF has no parser for (text/plain, validate: false)", async () => {
    const err = await caught(ref.clientWith({ validate: false }).rate(1, "cmpl-1", { flag: true }, { mediaType: "text/plain" as never }));
    expect(err).toBeInstanceOf(ParadigmAPIError);
    expect(err).toMatchObject({ status: 415, body: { detail: 'Unsupported media type "text/plain" in request.' } });
    expect((err as ParadigmAPIError).message).toBe('415 Unsupported Media Type: Unsupported media type "text/plain" in request.');
  });

  it("415 through createApi(client) too, as openapi-fetch's `error` with DRF's body", async () => {
    const { error, response } = await createApi(ref.clientWith({ validate: false })).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", {
      params: { path: { feedback_type_id: 1, completion_id: "cmpl-1" } },
      body: "flag=true" as never,
      bodySerializer: (b: unknown) => String(b),
      headers: { "Content-Type": "text/plain" },
    });
    expect(response.status).toBe(415);
    expect(error).toEqual({ detail: 'Unsupported media type "text/plain" in request.' });
  });
});
