// Size: what a user's bundler ships for a tiny consumer making one call, per client.
// esbuild (the repo's pinned 0.25.12), bundle + minify, format esm, platform=neutral; gzip level 9.
// paradigm-client is bundled from the same entry the request benchmarks import (dist/ or src/, see
// paradigm-entry.mjs); openai comes from bench/.work/node_modules (npm install --prefix bench/.work openai).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const gz = (text) => gzipSync(text, { level: 9 }).length;

async function bundle(resolveDir, contents, nodePaths = [], external = []) {
  const r = await build({
    stdin: { contents, resolveDir, loader: "ts", sourcefile: "consumer.ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    // platform=neutral sets no main fields; "module,main" lets packages without "exports" resolve too.
    mainFields: ["module", "main"],
    nodePaths,
    // Left as imports and flagged in the table (nodeBuiltins): a browser bundler would have to stub them.
    external: ["node:*", ...external],
    metafile: true,
    write: false,
    logLevel: "silent",
  });
  const text = r.outputFiles[0]?.text ?? "";
  // Minified bytes per input file, largest first: where the size comes from.
  const byInput = {};
  for (const out of Object.values(r.metafile.outputs))
    for (const [input, { bytesInOutput }] of Object.entries(out.inputs)) {
      const k = input.includes("node_modules/") ? input.replace(/^.*node_modules\//, "") : input.replace(/^.*?\/((?:src|generated|dist)\/)/, "$1");
      byInput[k] = (byInput[k] ?? 0) + bytesInOutput;
    }
  const top = Object.entries(byInput)
    .sort((a, b) => b[1] - a[1])
    .filter(([, n]) => n > 0);
  return { min: Buffer.byteLength(text), gzip: gz(text), nodeBuiltins: /["']node:/.test(text), byInput: top };
}

const version = (dir, pkg) => {
  try {
    return JSON.parse(readFileSync(join(dir, "node_modules", pkg, "package.json"), "utf8")).version;
  } catch {
    return undefined;
  }
};

/**
 * `index`/`queue`/`api`: file paths (or file: URLs) of paradigm-client's entries. `api` defaults to the api entry
 * beside `index` (dist/api.mjs, a build's api.mjs, or src/api/index.ts for src/client/index.ts).
 */
export async function runSize({ root, work, index, queue, api }) {
  const p = (u) => (u.startsWith("file:") ? new URL(u).pathname : u);
  const apiEntry = api ? p(api) : p(index).endsWith("/src/client/index.ts") ? join(root, "src", "api", "index.ts") : join(p(index), "..", "api.mjs");
  const rows = [];
  const add = async (name, what, contents, resolveDir = root, nodePaths = [], external = []) => {
    try {
      rows.push({ name, what, ...(await bundle(resolveDir, contents, nodePaths, external)) });
    } catch (e) {
      rows.push({ name, what, error: String(e.message ?? e).split("\n")[0] });
    }
  };
  await add(
    "paradigm-client (main entry)",
    "createParadigmClient().rate(…), one call",
    `import { createParadigmClient } from ${JSON.stringify(p(index))};
createParadigmClient({ apiKey: "k" }).rate(1, "completion", { flag: true });`,
  );
  // openapi-fetch is only in paradigm-client/api (createApi(client)); this row is what a user of it ships.
  if (existsSync(apiEntry))
    await add(
      "paradigm-client/api",
      "createApi(client).POST(…), one call (main entry + api entry + openapi-fetch)",
      `import { createParadigmClient } from ${JSON.stringify(p(index))};
import { createApi } from ${JSON.stringify(apiEntry)};
createApi(createParadigmClient({ apiKey: "k" })).POST("/api/v2/rate/{feedback_type_id}/{completion_id}", { params: { path: { feedback_type_id: 1, completion_id: "c" } }, body: { flag: true } });`,
    );
  else rows.push({ name: "paradigm-client/api", what: "createApi(client).POST(…)", error: `no api entry at ${apiEntry}` });
  await add("paradigm-client (main entry, everything)", "every export kept (no tree-shaking)", `export * from ${JSON.stringify(p(index))};`);
  if (queue)
    await add(
      "paradigm-client/queue",
      "createFeedbackQueue(client).enqueue(…)",
      `import { createParadigmClient } from ${JSON.stringify(p(index))};
import { createFeedbackQueue } from ${JSON.stringify(p(queue))};
await createFeedbackQueue(createParadigmClient({ apiKey: "k" })).enqueue(1, "completion", { flag: true });`,
    );
  await add(
    `openapi-fetch ${version(root, "openapi-fetch")}`,
    "createClient + auth middleware, one POST",
    `import createClient from "openapi-fetch";
const c = createClient({ baseUrl: "https://paradigm.lighton.ai" });
c.use({ onRequest: ({ request }) => { request.headers.set("authorization", "Bearer k"); return request; } });
c.POST("/api/v2/rate/{feedback_type_id}/{completion_id}", { params: { path: { feedback_type_id: 1, completion_id: "c" } }, body: { flag: true } });`,
  );
  await add(
    `ky ${version(root, "ky")}`,
    "ky.post(url, { json }), one call",
    `import ky from "ky";
ky.post("https://paradigm.lighton.ai/api/v2/rate/1/c", { json: { flag: true }, headers: { authorization: "Bearer k" } });`,
  );
  const openaiDir = join(work, "node_modules", "openai");
  if (existsSync(openaiDir))
    await add(
      `openai ${version(work, "openai")}`,
      "new OpenAI().chat.completions.create(…), one call",
      `import OpenAI from "openai";
new OpenAI({ apiKey: "k" }).chat.completions.create({ model: "m", messages: [{ role: "user", content: "hi" }] });`,
      work,
    );
  else rows.push({ name: "openai", what: "one call", error: "not installed: npm install --prefix bench/.work openai" });
  await add(
    "hand-written fetch",
    "fetch(url, init), one call (the floor)",
    `fetch("https://paradigm.lighton.ai/api/v2/rate/1/c", { method: "POST", headers: { authorization: "Bearer k", "content-type": "application/json" }, body: JSON.stringify({ flag: true }) });`,
  );
  return { budgetGzip: 4096, rows };
}
