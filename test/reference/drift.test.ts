// Drift: the check a team runs between its server and its published document. drf-spectacular 0.25 generates the
// schema of the DRF 3.14 reference server, and it must be equivalent to openapi/openapi-v2.yaml, the document
// LightOn publishes, key order aside (YAML parsed, compared structurally).
// What it takes to match exactly (test/reference-server/refserver/settings.py):
//  - SPECTACULAR_SETTINGS TITLE, VERSION, DESCRIPTION, SERVERS and the 12 TAGS, as published;
//  - SCHEMA_PATH_PREFIX "" so operation ids keep "api_v2_" whatever other views exist;
//  - a postprocessing hook for the root `security: []`, which no drf-spectacular setting emits;
//  - an OpenApiAuthenticationExtension for the bearerAuth scheme, with the published description.
// Everything else (path parameters sorted, "No response body", the Feedback component, display_value's
// overlapping oneOf) is drf-spectacular's own output from a plain ModelSerializer.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { parse } from "yaml";
import { spectacularSchema, structuralDiff } from "./schema.ts";

interface Doc {
  paths: Record<string, unknown>;
  components: { schemas: Record<string, unknown> };
}
const read = (path: string) => parse(readFileSync(new URL(path, import.meta.url), "utf8")) as Doc;
const published = read("../../openapi/openapi-v2.yaml");
const fixture = read("../fixtures/drf-next-spec.yaml");

describe("drf-spectacular's schema for the reference server", () => {
  // Both exports (about 2 s each) run side by side; the tests await the cached results.
  beforeAll(() => {
    void Promise.allSettled([spectacularSchema("current"), spectacularSchema("next")]);
  });

  it("comes from the stack the README names: DRF 3.14 and drf-spectacular 0.25 (Debian bookworm)", () => {
    expect(inject("referenceStack")).toMatchObject({ drf: expect.stringMatching(/^3\.14\./), spectacular: expect.stringMatching(/^0\.25\./) });
  });

  it("is equivalent to openapi/openapi-v2.yaml, key order aside", async () => {
    expect(structuralDiff(await spectacularSchema("current"), published)).toEqual([]);
  });

  it("differs from the published document once the server grows (the check catches drift)", async () => {
    const next = await spectacularSchema("next");
    expect(structuralDiff(next, published)).toEqual(
      expect.arrayContaining([
        '$["info"]["version"]: "yakkety-yak (v2)" ≠ "xenial-xerus (v2)"',
        '$["paths"]["/api/v2/feedbacks"]: only in the first',
        '$["components"]["schemas"]["Attachment"]: only in the first',
      ]),
    );
  });

  it("in next mode, is the committed fixture test/fixtures/drf-next-spec.yaml (regenerate with export-schema.sh next)", async () => {
    expect(structuralDiff(await spectacularSchema("next"), fixture)).toEqual([]);
  });

  it("in next mode, keeps today's rate operation and Feedback component as published", () => {
    const rate = "/api/v2/rate/{feedback_type_id}/{completion_id}";
    expect(structuralDiff(fixture.paths[rate], published.paths[rate])).toEqual([]);
    expect(structuralDiff(fixture.components.schemas.Feedback, published.components.schemas.Feedback)).toEqual([]);
    expect(Object.keys(fixture.paths).sort()).toEqual([
      "/api/v2/feedback-types",
      "/api/v2/feedbacks",
      "/api/v2/feedbacks/{id}",
      "/api/v2/feedbacks/{id}/attachment",
      rate,
    ]);
  });
});
