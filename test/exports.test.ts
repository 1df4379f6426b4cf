// Pins the public surface: adding or removing an export must be a deliberate change to this list.
import { expect, it } from "vitest";
import * as api from "../src/client/index.ts";

it("exports exactly the documented runtime values", () => {
  expect(Object.keys(api).sort()).toEqual([
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "DEFAULT_BASE_URL",
    "InternalServerError",
    "NotFoundError",
    "ParadigmAPIError",
    "ParadigmAbortError",
    "ParadigmConfigError",
    "ParadigmConnectionError",
    "ParadigmError",
    "ParadigmTimeoutError",
    "ParadigmValidationError",
    "PermissionDeniedError",
    "RateLimitError",
    "UnprocessableEntityError",
    "createParadigmClient",
  ]);
});

it("paradigm-client/handler exports exactly its documented runtime values", async () => {
  const handler = await import("../src/handler/index.ts");
  expect(Object.keys(handler).sort()).toEqual(["createFeedbackHandler", "memoryUsesStore", "signFeedbackToken", "toNodeListener"]);
});

it("paradigm-client/browser exports exactly sendFeedback and FeedbackError", async () => {
  const browser = await import("../src/browser/index.ts");
  expect(Object.keys(browser).sort()).toEqual(["FeedbackError", "sendFeedback"]);
});

it("paradigm-client/api exports exactly createApi", async () => {
  const entry = await import("../src/api/index.ts");
  expect(Object.keys(entry).sort()).toEqual(["createApi"]);
});

it("createApi refuses an object createParadigmClient() did not make, naming what it takes", async () => {
  const { createApi } = await import("../src/api/index.ts");
  const { ParadigmConfigError } = await import("../src/client/index.ts");
  const fake = { rate: async () => ({}), baseUrl: "https://example.invalid" } as never;
  expect(() => createApi(fake)).toThrow(ParadigmConfigError);
  expect(() => createApi(fake)).toThrow(/createApi\(\) takes a client made by createParadigmClient\(\)/);
});

it("a bundle calling only rate() holds no openapi-fetch (paradigm-client/api alone brings it)", async () => {
  const { build } = await import("esbuild");
  const inputs = async (contents: string) =>
    Object.keys(
      (
        await build({
          stdin: { contents, resolveDir: process.cwd(), loader: "ts" },
          bundle: true,
          write: false,
          metafile: true,
          format: "esm",
          platform: "neutral",
          mainFields: ["module", "main"],
          logLevel: "silent",
        })
      ).metafile.inputs,
    );
  const rateOnly = await inputs('import { createParadigmClient } from "./src/client/index.ts"; createParadigmClient({ apiKey: "k" }).rate(1, "c", {});');
  expect(rateOnly.filter((i) => i.includes("openapi-fetch"))).toEqual([]);
  const withApi = await inputs('import { createApi } from "./src/api/index.ts"; export const f = createApi;');
  expect(withApi.some((i) => i.includes("openapi-fetch"))).toBe(true);
});

it("paradigm-client/postgres exports exactly its documented runtime values, and never loads pg", async () => {
  const entry = await import("../src/postgres/index.ts");
  expect(Object.keys(entry).sort()).toEqual(["createPostgresQueue", "migratePostgresQueue", "postgresQueueSql"]);
  const { readFileSync } = await import("node:fs");
  for (const f of ["index", "queue", "worker", "sql", "item"])
    expect(readFileSync(new URL(`../src/postgres/${f}.ts`, import.meta.url), "utf8")).not.toMatch(/from "pg"|import\("pg"\)/);
});

it("client.api, gone from the main entry, throws a ParadigmConfigError that names createApi from paradigm-client/api (for JavaScript callers)", () => {
  const client = api.createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" });
  let thrown: unknown;
  try {
    void (client as unknown as { api: { POST: unknown } }).api.POST;
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(api.ParadigmConfigError);
  expect((thrown as Error).message).toMatch(/createApi\(client\).*paradigm-client\/api/);
  // Not enumerable: spreading or logging the client does not trip it.
  expect(Object.keys(client)).not.toContain("api");
  expect({ ...client }).toHaveProperty("rate");
});
