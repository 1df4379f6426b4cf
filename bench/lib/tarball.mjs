// paradigm-client as users get it: the working tree is copied to bench/.work/tarball/pkg (node_modules linked),
// built there with the package's own build (scripts/build.mjs: tsdown), `npm pack`ed into bench/.work/tarball,
// and the tarball installed with `npm install --no-audit --no-fund <tgz>` into a scratch project
// (bench/.work/tarball/consumer), its dependencies (openapi-fetch) from the npm cache or registry. The repo's own
// dist/ is never touched. Returns the installed entries' file URLs for the request benchmarks.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";

// `npm run bench` exports npm_config_local_prefix (the repo) and friends: a child npm would install into the repo.
// Only the settings that say where the cache and registry are carry over (as scripts/build-pack.mjs does).
const KEEP = new Set(["npm_config_cache", "npm_config_userconfig", "npm_config_globalconfig", "npm_config_registry", "npm_config_cafile"]);
const npmEnv = () => ({
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_") || KEEP.has(k.toLowerCase()))),
  npm_config_update_notifier: "false",
  NO_UPDATE_NOTIFIER: "1",
});

function sh(cmd, args, cwd, what) {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, env: npmEnv(), encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}):\n${(r.stderr || r.stdout).slice(-3000)}`);
  return { out: r.stdout, ms: performance.now() - t0 };
}

/** Returns { tarball, packedBytes, index, queue, version, openapiFetch, buildMs, installMs }. */
export function packAndInstall({ root, work, log }) {
  const dir = join(work, "tarball");
  const pkg = join(dir, "pkg");
  const consumer = join(dir, "consumer");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(pkg, { recursive: true });
  // What the build and `npm pack` read; everything else (tests, bench, docs) stays out, as in a real publish.
  for (const f of ["package.json", "tsdown.config.ts", "tsconfig.json", "README.md", "LICENSE", "src", "generated", "scripts", "sql"]) {
    if (existsSync(join(root, f))) cpSync(join(root, f), join(pkg, f), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(pkg, "node_modules"), "dir");
  const build = sh(process.execPath, [join(pkg, "scripts", "build.mjs")], pkg, "npm run build (in bench/.work/tarball/pkg)");
  log(`tarball: built in ${(build.ms / 1000).toFixed(1)} s`);
  const packed = JSON.parse(sh("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], pkg, "npm pack").out)[0];
  const tarball = join(dir, packed.filename);
  mkdirSync(consumer, { recursive: true });
  writeFileSync(join(consumer, "package.json"), `${JSON.stringify({ name: "bench-tarball-consumer", private: true, type: "module" }, null, 2)}\n`);
  const install = sh("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", tarball], consumer, `npm install ${packed.filename}`);
  log(`tarball: ${packed.filename} (${packed.size} B) installed in ${(install.ms / 1000).toFixed(1)} s`);
  const installed = join(consumer, "node_modules", "paradigm-client");
  const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
  // The entries as Node resolves them for `import "paradigm-client"` (exports["."].import.default).
  const entry = (key) => {
    const target = manifest.exports?.[key]?.import?.default ?? manifest.exports?.[key]?.import;
    return typeof target === "string" ? pathToFileURL(join(installed, target)).href : undefined;
  };
  const ofVersion = join(consumer, "node_modules", "openapi-fetch", "package.json");
  return {
    tarball: packed.filename,
    packedBytes: packed.size,
    version: manifest.version,
    index: entry("."),
    queue: entry("./queue"),
    openapiFetch: existsSync(ofVersion) ? JSON.parse(readFileSync(ofVersion, "utf8")).version : undefined,
    buildMs: build.ms,
    installMs: install.ms,
  };
}
