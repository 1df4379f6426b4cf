// Example: testing code that logs feedback, with no Paradigm account and no network. paradigm-client/mock starts
// Prism on loopback, serving the same spec the client was generated from, so a request the real API would refuse
// is refused here too. Needs the optional peers: npm i -D @stoplight/prism-http @stoplight/prism-http-server @stoplight/prism-core
import { createParadigmClient, ParadigmValidationError, UnprocessableEntityError } from "paradigm-client";
import { type MockServer, startMock } from "paradigm-client/mock";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let mock: MockServer;
beforeAll(async () => {
  mock = await startMock();
});
afterAll(() => mock.close());

describe("logging feedback against the mock", () => {
  it("resolves with the status the spec declares", async () => {
    const client = createParadigmClient({ apiKey: "any-key", baseUrl: mock.url });
    const res = await client.rate(3, "cmpl-42", { flag: true, tag: "helpful" });
    expect(res.status).toBe(200);
  });

  it("refuses invalid input before sending anything", async () => {
    const client = createParadigmClient({ apiKey: "any-key", baseUrl: mock.url });
    await expect(client.rate(3, "cmpl-42", { tag: "x".repeat(121) })).rejects.toBeInstanceOf(ParadigmValidationError);
  });

  it("answers 422 like the real API when client-side validation is off", async () => {
    const client = createParadigmClient({ apiKey: "any-key", baseUrl: mock.url, validate: false });
    const err = await client.rate(3, "cmpl-42", { tag: "x".repeat(121) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnprocessableEntityError);
    expect((err as UnprocessableEntityError).status).toBe(422);
  });
});
