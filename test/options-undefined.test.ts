// Under exactOptionalPropertyTypes a caller passes `timeoutMs: maybe` rather than spreading: undefined means "the default".
import { expect, it } from "vitest";
import { createParadigmClient } from "../src/client/index.ts";

it("reads an option given as undefined as its default, for the client and for one call", async () => {
  const seen: RequestInit[] = [];
  const client = createParadigmClient({
    apiKey: "k",
    baseUrl: "http://127.0.0.1:9",
    timeoutMs: undefined,
    maxRetries: undefined,
    headers: undefined,
    logLevel: undefined,
    mediaType: undefined,
    validate: undefined,
    fetch: async (_url, init) => {
      seen.push(init ?? {});
      return new Response(null, { status: 200 });
    },
  });
  await client.rate(1, "a", { flag: true }, { timeoutMs: undefined, maxRetries: undefined, mediaType: undefined, headers: undefined });
  expect(seen).toHaveLength(1);
  expect(new Headers(seen[0]?.headers).get("content-type")).toBe("application/json");
});
