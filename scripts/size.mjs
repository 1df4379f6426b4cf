// npm run size: what a user's bundler ships for `createParadigmClient().rate(...)`, measured from the packed
// tarball installed in a throwaway project (esbuild, platform=neutral, minify, gzip -9). Fails past the budget,
// or if the main entry pulls in Prism or a node: builtin (it must run in browsers). The browser entry
// (paradigm-client/browser) has its own budget, 1 kB gzip (--browser-budget=N); it and the handler entry must not
// import node: builtins either (Workers-style runtimes).
// Also prints where the bytes go: per package from the tarball bundle, and per source module from a bundle of
// src/ built the same way (the tarball's dist/ files are already merged, so they cannot be split further).
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build, transform } from "esbuild";
import { install, pack, tempDir } from "./build-pack.mjs";
import { ROOT } from "./redocly.mjs";

/** Budget for the main entry with its dependencies, minified + gzipped, in bytes: `--budget=N` (package.json sets it). */
const budgetArg = process.argv.find((a) => a.startsWith("--budget="));
const BUDGET_GZIP_BYTES = Number(budgetArg?.slice("--budget=".length) ?? Number.NaN);
if (!Number.isInteger(BUDGET_GZIP_BYTES) || BUDGET_GZIP_BYTES <= 0) {
  console.error("size: pass the budget in bytes, e.g. node scripts/size.mjs --budget=4096");
  process.exit(2);
}

const CONSUMER = `import { createParadigmClient } from "paradigm-client";
createParadigmClient().rate(1, "completion", { flag: true });
`;
// paradigm-client/browser: what a page ships to post one feedback. Its own budget (the "under 1 kB gzip").
const BROWSER_CONSUMER = `import { sendFeedback } from "paradigm-client/browser";
sendFeedback({ endpoint: "/api/feedback", token: "t", feedbackTypeId: 3, feedback: { flag: true } });
`;
const browserBudgetArg = process.argv.find((a) => a.startsWith("--browser-budget="));
/** Budget for the browser entry, minified + gzipped, in bytes: `--browser-budget=N`, default 1024. */
const BROWSER_BUDGET_GZIP_BYTES = browserBudgetArg ? Number(browserBudgetArg.slice("--browser-budget=".length)) : 1024;
if (!Number.isInteger(BROWSER_BUDGET_GZIP_BYTES) || BROWSER_BUDGET_GZIP_BYTES <= 0) {
  console.error("size: --browser-budget must be a positive number of bytes");
  process.exit(2);
}
// paradigm-client/handler: server-side, so no budget, but it must bundle for Workers-style runtimes (no node:).
const HANDLER_CONSUMER = `import { createFeedbackHandler, signFeedbackToken } from "paradigm-client/handler";
export { createFeedbackHandler, signFeedbackToken };
`;
// paradigm-client/api: every operation typed through openapi-fetch. No budget (openapi-fetch is most of it); reported.
const API_CONSUMER = `import { createParadigmClient } from "paradigm-client";
import { createApi } from "paradigm-client/api";
createApi(createParadigmClient()).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", { params: { path: { feedback_type_id: 1, completion_id: "c" } }, body: {} });
`;
// The reference point: bare openapi-fetch sending one POST.
const BARE = `import createClient from "openapi-fetch";
createClient({ baseUrl: "https://example.invalid" }).POST("/x", { body: {} });
`;

const gz = (text) => gzipSync(text, { level: 9 }).length;

async function bundle(absWorkingDir, contents, extra = {}) {
  const r = await build({
    stdin: { contents, resolveDir: absWorkingDir, loader: "js", sourcefile: "consumer.mjs" },
    absWorkingDir,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    // Users' bundlers would stop at a node: import with an error; so does this.
    metafile: true,
    write: false,
    logLevel: "silent",
    ...extra,
  });
  const text = r.outputFiles[0]?.text ?? "";
  return { text, min: Buffer.byteLength(text), gzip: gz(text), metafile: r.metafile };
}

/** Bytes in the minified output per input file (or per group), largest first. */
function breakdown(metafile, group) {
  const sizes = new Map();
  for (const out of Object.values(metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
      const k = group(input);
      sizes.set(k, (sizes.get(k) ?? 0) + bytesInOutput);
    }
  }
  return [...sizes].sort((a, b) => b[1] - a[1]);
}

/** Per source module, the gzip bytes the src/ bundle of `contents` loses without that module's code. */
async function marginalGzip(contents) {
  // Identifiers and syntax minified, whitespace kept: esbuild then marks where each module's code starts.
  const r = await build({
    stdin: { contents, resolveDir: ROOT, loader: "js", sourcefile: "consumer.mjs" },
    alias: { "paradigm-client": "./src/client/index.ts" },
    bundle: true,
    format: "esm",
    platform: "neutral",
    minifySyntax: true,
    minifyIdentifiers: true,
    legalComments: "none",
    write: false,
    logLevel: "silent",
  });
  const parts = (r.outputFiles[0]?.text ?? "").split(/^(?=\/\/ \S+\.[cm]?[jt]s$)/m);
  const gzOf = async (text) => gz((await transform(text, { minifyWhitespace: true, loader: "js" })).code);
  const whole = await gzOf(parts.join(""));
  const out = new Map();
  for (let i = 0; i < parts.length; i++) {
    const name = /^\/\/ (\S+)/.exec(parts[i] ?? "")?.[1];
    if (name) out.set(name, whole - (await gzOf(parts.filter((_, j) => j !== i).join(""))));
  }
  return out;
}

const kb = (n) => `${n} B (${(n / 1024).toFixed(2)} KiB)`;

async function main() {
  if (!existsSync(join(ROOT, "dist", "index.mjs"))) throw new Error("dist/ is missing: run `npm run build` first.");
  const started = performance.now();
  const work = tempDir("size");
  try {
    const { tarball } = await pack(work);
    const consumer = join(work, "consumer");
    mkdirSync(consumer);
    await install(consumer, { "paradigm-client": `file:${tarball}` }, { type: "module" });
    writeFileSync(join(consumer, "consumer.mjs"), CONSUMER);

    const full = await bundle(consumer, CONSUMER);
    const bare = await bundle(consumer, BARE);
    const withApi = await bundle(consumer, API_CONSUMER);
    const browser = await bundle(consumer, BROWSER_CONSUMER);
    const handler = await bundle(consumer, HANDLER_CONSUMER);
    const problems = [];
    for (const [label, b] of [
      ["browser", browser],
      ["handler", handler],
    ]) {
      if (/["']node:/.test(b.text)) problems.push(`the ${label} entry bundle imports a node: builtin`);
      if (/prism/i.test(b.text)) problems.push(`the ${label} entry bundle contains "prism"`);
    }
    if (Object.keys(browser.metafile.inputs).some((i) => !i.includes("paradigm-client/dist/browser.") && i !== "consumer.mjs"))
      problems.push(`the browser entry pulls in more than dist/browser.mjs: ${Object.keys(browser.metafile.inputs).join(", ")}`);
    if (browser.gzip > BROWSER_BUDGET_GZIP_BYTES)
      problems.push(
        `the browser entry is ${browser.gzip} B gzip, over its ${BROWSER_BUDGET_GZIP_BYTES} B budget by ${browser.gzip - BROWSER_BUDGET_GZIP_BYTES} B`,
      );
    if (/prism/i.test(full.text) || Object.keys(full.metafile.inputs).some((i) => /prism/i.test(i))) problems.push('the main entry bundle contains "prism"');
    if (/["']node:/.test(full.text)) problems.push("the main entry bundle imports a node: builtin");
    // openapi-fetch is paradigm-client/api's alone: a bundle calling rate() must not carry it.
    if (Object.keys(full.metafile.inputs).some((i) => i.includes("node_modules/openapi-fetch/")))
      problems.push("the main entry bundle holds openapi-fetch (only paradigm-client/api may import it)");

    const byPackage = breakdown(full.metafile, (i) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(i)?.[1] ?? i);
    const byFile = breakdown(full.metafile, (i) => i.replace(/^.*node_modules\//, ""));

    // Diagnostic only: the same consumer bundled from src/ (TypeScript) to split our share by module.
    const fromSrc = await bundle(ROOT, CONSUMER, { alias: { "paradigm-client": "./src/client/index.ts" } });
    const bySrc = breakdown(fromSrc.metafile, (i) =>
      i.includes("node_modules/") ? i.replace(/^.*node_modules\/((?:@[^/]+\/)?[^/]+).*$/, "$1 (dependency)") : i,
    );
    // Gzip per module, marginal: what the bundle's gzip loses when that module's code is cut out (the rest
    // re-minified alone). Shared context makes the parts sum to less than the whole.
    const marginal = await marginalGzip(CONSUMER);

    console.log(`size: createParadigmClient().rate() from the packed tarball, esbuild ${"neutral/minify/esm"}, gzip -9`);
    console.log(`  whole bundle           : ${kb(full.min)} min, ${kb(full.gzip)} gzip (budget ${kb(BUDGET_GZIP_BYTES)} gzip)`);
    console.log(`  reference: bare openapi-fetch + one POST: ${kb(bare.min)} min, ${kb(bare.gzip)} gzip`);
    console.log(`  paradigm-client/api, createApi(client).POST(): ${kb(withApi.min)} min, ${kb(withApi.gzip)} gzip (no budget)`);
    console.log("  minified bytes by package (tarball bundle):");
    for (const [k, v] of byPackage) console.log(`    ${String(v).padStart(6)}  ${k}`);
    console.log("  minified bytes by file (tarball bundle):");
    for (const [k, v] of byFile) console.log(`    ${String(v).padStart(6)}  ${k}`);
    console.log(`  by source module (src/ bundled the same way: ${fromSrc.min} B min, ${fromSrc.gzip} B gzip; gzip = what removing it saves):`);
    for (const [k, v] of bySrc) console.log(`    ${String(v).padStart(6)} min  ${String(marginal.get(k) ?? "?").padStart(5)} gzip  ${k}`);
    if (full.gzip > BUDGET_GZIP_BYTES) {
      problems.push(`the main entry is ${full.gzip} B gzip, over the ${BUDGET_GZIP_BYTES} B budget by ${full.gzip - BUDGET_GZIP_BYTES} B`);
    }
    console.log(`  paradigm-client/browser, sendFeedback(): ${kb(browser.min)} min, ${kb(browser.gzip)} gzip (budget ${kb(BROWSER_BUDGET_GZIP_BYTES)} gzip)`);
    console.log(`  paradigm-client/handler (server-side, no budget; no node: import): ${kb(handler.min)} min, ${kb(handler.gzip)} gzip`);
    console.log(`  measured in ${Math.round(performance.now() - started)} ms`);
    if (problems.length) {
      console.error(`size: FAIL\n  - ${problems.join("\n  - ")}`);
      process.exitCode = 1;
    } else console.log("size: ok");
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
