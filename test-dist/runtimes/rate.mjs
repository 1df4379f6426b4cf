// Run by every runtime (Node 20/22/24, Bun, Deno) against the Prism mock: `<runtime> rate.mjs <prismUrl>`.
// Loads the package through its ESM entry and prints one JSON line the suite checks.
import { createParadigmClient, ParadigmValidationError } from "paradigm-client";

const deno = globalThis.Deno;
const baseUrl = deno ? deno.args[0] : process.argv[2];
const runtime = deno ? `deno ${deno.version.deno}` : process.versions.bun ? `bun ${process.versions.bun}` : `node ${process.versions.node}`;
const client = createParadigmClient({ apiKey: "runtime-key", baseUrl });
const res = await client.rate(3, "cmpl-runtime", { flag: true, value: 1, tag: runtime, comment: null });
const multipart = await client.rate(3, "cmpl-runtime", { flag: false, tag: runtime }, { mediaType: "multipart/form-data" });
// Invalid input is refused before sending, with our error class (checks instanceof across the package's chunks).
const invalid = await client.rate(3, "cmpl-runtime", { tag: "x".repeat(121) }).catch((e) => e);
console.log(
  JSON.stringify({ runtime, module: "esm", status: res.status, multipart: multipart.status, validationError: invalid instanceof ParadigmValidationError }),
);
