// A bundler-style app (moduleResolution bundler, DOM lib, no @types/node), type-checked then bundled by esbuild.
// PRISM_URL is substituted at bundle time, as a front-end build would inject its API origin.
import { createParadigmClient, type RateMediaType } from "paradigm-client";

declare const PRISM_URL: string;

const client = createParadigmClient({ apiKey: "consumer-key", baseUrl: PRISM_URL });
const mediaTypes: RateMediaType[] = ["application/json", "multipart/form-data"];
const statuses: number[] = [];
for (const mediaType of mediaTypes) {
  const res = await client.rate(3, "cmpl-bundler", { flag: true, tag: "bundler" }, { mediaType });
  statuses.push(res.status);
}
console.log(JSON.stringify({ rate: statuses }));
