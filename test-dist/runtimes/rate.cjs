// The CommonJS twin of rate.mjs: `require("paradigm-client")` loads dist/index.cjs.
const { createParadigmClient, ParadigmValidationError } = require("paradigm-client");

const baseUrl = process.argv[2];
// Deno runs .cjs files with its Node compatibility layer, where process.versions also names Deno.
const v = process.versions;
const runtime = v.deno ? `deno ${v.deno}` : v.bun ? `bun ${v.bun}` : `node ${v.node}`;
const client = createParadigmClient({ apiKey: "runtime-key", baseUrl });
(async () => {
  const res = await client.rate(3, "cmpl-runtime-cjs", { flag: true, tag: runtime }, { mediaType: "application/x-www-form-urlencoded" });
  const invalid = await client.rate(3, "cmpl-runtime-cjs", { tag: "x".repeat(121) }).catch((e) => e);
  console.log(JSON.stringify({ runtime, module: "cjs", status: res.status, validationError: invalid instanceof ParadigmValidationError }));
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
