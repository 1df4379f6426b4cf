// Contract: the client's contract mode (Prism's validating proxy, startMock({ upstream })) in front of the DRF
// reference server. Prism checks each request against the effective spec before forwarding it, and each of the
// server's answers before passing it back; a response that breaks the spec becomes a 500 listing the violations.
import { inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createParadigmClient, InternalServerError, NotFoundError, ParadigmAPIError, type ParadigmClient, type RateMediaType } from "../../src/client/index.ts";
import { type MockServer, startMock } from "../../src/mock/index.ts";
import { contractViolations, prismVerdict } from "../upstreams.ts";
import { REFERENCE_KEY, useReference } from "./reference.ts";

const ref = useReference();
let proxy: MockServer;
let client: ParadigmClient;
beforeAll(async () => {
  proxy = await startMock({ upstream: ref.server.url });
  client = createParadigmClient({ apiKey: REFERENCE_KEY, baseUrl: proxy.url });
});
afterAll(async () => {
  await proxy?.close();
});

const outcomeOf = (p: Promise<unknown>) => p.catch((e: unknown) => (e instanceof ParadigmAPIError ? e : Promise.reject(e)));

const bodies: [RateMediaType, string][] = [
  ["application/json", "cmpl-1"],
  ["application/x-www-form-urlencoded", "cmpl with spaces + %"],
  ["multipart/form-data", "réponse-😀-日本"],
];

describe("through Prism's proxy, the DRF reference server as published", () => {
  it.each(bodies)("passes a %s rating: 200, no violation, stored once", async (mediaType, completionId) => {
    const outcome = await outcomeOf(client.rate(3, completionId, { flag: true, value: 4.5, tag: "réponse", comment: null }, { mediaType }));
    expect(contractViolations(outcome)).toEqual([]);
    expect(prismVerdict(outcome).violations).toEqual([]);
    expect(outcome).toMatchObject({ status: 200, attempts: 1 });
    expect(await ref.server.stored()).toMatchObject([
      { feedback_type_id: 3, completion_id: completionId, flag: true, value: 4.5, tag: "réponse", comment: null },
    ]);
  });

  it("passes DRF's 404 for an unknown feedback type through, with only a Warning (the spec declares no 404)", async () => {
    const err = await outcomeOf(client.rate(99, "cmpl-1", { flag: true }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).message).toBe("404 Not Found: Not found.");
    expect(contractViolations(err)).toEqual([]);
    expect(prismVerdict(err).violations).toEqual([
      { location: "response", severity: "Warning", message: "Unable to match the returned status code 404 with those defined in the document: 200" },
    ]);
  });

  it("cannot address a completion id with a slash: Django decodes %2F before routing and answers its HTML 404", async () => {
    const err = await outcomeOf(client.rate(3, "cmpl/with/slash", { flag: true }));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ status: 404 });
    expect(String((err as NotFoundError).body)).toMatch(/<title>Not Found<\/title>/);
    expect(contractViolations(err)).toEqual([]);
    expect(await ref.server.stored()).toEqual([]);
  });
});

describe("through Prism's proxy, the reference server in deviant mode (201 with a JSON body)", () => {
  const unmatched = "Unable to match the returned status code 201 with those defined in the document: 200";

  it("fails: rate() rejects with a 500 contract violation naming the undeclared 201, though the server stored it", async () => {
    await ref.server.reset({ deviant: true });
    const err = await outcomeOf(client.rate(3, "cmpl-1", { flag: true }));
    expect(err).toBeInstanceOf(InternalServerError);
    expect(err).toMatchObject({ status: 500, deliveryUnknown: true });
    expect(contractViolations(err)).toEqual([`response: ${unmatched}`]);
    expect(prismVerdict(err)).toEqual({ problem: "VIOLATIONS", violations: [{ location: "response", severity: "Error", message: unmatched }] });
    expect(`${JSON.stringify(err)} ${inspect(err, { depth: 5 })}`).not.toContain(REFERENCE_KEY);
    // The violation is in the server's answer, not in what we sent: the feedback was stored, once.
    expect(await ref.server.stored()).toMatchObject([{ completion_id: "cmpl-1", flag: true }]);
  });

  it("without the proxy, the same server answer looks like success to rate()", async () => {
    await ref.server.reset({ deviant: true });
    await expect(ref.client.rate(3, "cmpl-1", { flag: true })).resolves.toMatchObject({ status: 201 });
  });
});
