// Decides where the benchmarks import paradigm-client from, and says so in RESULTS.md:
//   dist  — the package build (npm run build), used when it exists and is newer than src/ and generated/;
//   build — otherwise, a fresh esbuild bundle of src/ into bench/.work/build (unminified, dependencies left
//           as imports, no source maps: what a package build ships), so a stale dist/ is never measured;
//   tsx   — src/*.ts run through tsx (`--from=tsx`), for comparison.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const newest = (dir) => {
  let t = 0;
  for (const f of readdirSync(dir)) if (f.endsWith(".ts")) t = Math.max(t, statSync(join(dir, f)).mtimeMs);
  return t;
};

/** Returns { from, index, queue, api (each or undefined), note } with file URLs for the main, queue and api entries. */
export async function resolveParadigm(root, from = "auto") {
  const srcQueue = join(root, "src", "queue", "index.ts");
  const hasQueue = existsSync(srcQueue);
  // paradigm-client/api (createApi(client)): client.api's successor, when the tree has it.
  const srcApi = join(root, "src", "api", "index.ts");
  const hasApi = existsSync(srcApi);
  if (from === "tsx") {
    return {
      from: "tsx",
      index: pathToFileURL(join(root, "src", "client", "index.ts")).href,
      queue: hasQueue ? pathToFileURL(srcQueue).href : undefined,
      api: hasApi ? pathToFileURL(srcApi).href : undefined,
      note: "src/*.ts loaded through tsx (TypeScript transformed at load time)",
    };
  }
  const dist = join(root, "dist", "index.mjs");
  const srcTime = Math.max(newest(join(root, "src")), newest(join(root, "generated")));
  const dq = join(root, "dist", "queue.mjs");
  // A dist/ without the queue entry cannot serve the queue benchmark, and mixing it with a build of
  // src/queue/index.ts would give two copies of the error classes; then both come from one fresh build.
  const da = join(root, "dist", "api.mjs");
  const distUsable = existsSync(dist) && statSync(dist).mtimeMs >= srcTime && (!hasQueue || existsSync(dq)) && (!hasApi || existsSync(da));
  if ((from === "auto" || from === "dist") && distUsable) {
    return {
      from: "dist",
      index: pathToFileURL(dist).href,
      queue: existsSync(dq) ? pathToFileURL(dq).href : undefined,
      api: existsSync(da) ? pathToFileURL(da).href : undefined,
      note: "dist/index.mjs (the package build, newer than src/)",
    };
  }
  if (from === "dist") throw new Error("--from=dist: dist/index.mjs (or dist/queue.mjs) is missing or older than src/; run npm run build first.");
  const outdir = join(root, "bench", ".work", "build");
  const entryPoints = { index: join(root, "src", "client", "index.ts") };
  if (hasQueue) entryPoints.queue = srcQueue;
  if (hasApi) entryPoints.api = srcApi;
  const built = await bundleEntries(entryPoints, outdir);
  return {
    from: "build",
    index: built.index,
    queue: built.queue,
    api: built.api,
    note: `a fresh esbuild bundle of src/ (bench/.work/build: ESM, unminified, dependencies external, no source maps)${
      !existsSync(dist) ? "; dist/ does not exist" : statSync(dist).mtimeMs < srcTime ? "; dist/ was older than src/" : "; dist/ has no queue entry"
    }`,
  };
}

/**
 * The bench's build of paradigm-client from source: esbuild, ESM, unminified, dependencies external, no source maps
 * (what a package build ships). One build with code splitting, so the entries share one copy of the error classes
 * (instanceof holds across them). `entryPoints` maps a name to a .ts file; returns each entry's file URL.
 */
export async function bundleEntries(entryPoints, outdir) {
  await build({
    entryPoints,
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "es2022",
    packages: "external",
    outExtension: { ".js": ".mjs" },
    logLevel: "error",
  });
  return Object.fromEntries(Object.keys(entryPoints).map((name) => [name, pathToFileURL(join(outdir, `${name}.mjs`)).href]));
}
