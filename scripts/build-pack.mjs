// Shared by scripts/size.mjs and test-dist/run.mjs: pack the built package the way `npm publish` would, and
// install the tarball into a throwaway project outside the repo, so nothing resolves through the repo's own
// node_modules (a missing dependency or file would be hidden by them).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./redocly.mjs";

// `npm run` exports the repo as npm_config_local_prefix (and /usr as prefix): a child npm would install into the
// repo instead of the consumer. Only the settings that say where the cache and registry are carry over.
const KEEP = new Set(["npm_config_cache", "npm_config_userconfig", "npm_config_globalconfig", "npm_config_registry", "npm_config_cafile"]);
export function childEnv(extra = {}) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_") || KEEP.has(k.toLowerCase())));
  return {
    ...env,
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
    NO_UPDATE_NOTIFIER: "1",
    ...extra,
  };
}

/** Runs a command; resolves with its output and duration (never rejects on a non-zero exit). */
export function run(cmd, args, { cwd = ROOT, env = childEnv(), timeoutMs = 300_000, input } = {}) {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ status: 127, stdout, stderr: `${stderr}${e.message}`, ms: performance.now() - started });
    });
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      resolve({ status: status ?? 1, signal, stdout, stderr, ms: performance.now() - started });
    });
    if (child.stdin) {
      // A child that exits without reading its input must not crash the caller with EPIPE.
      child.stdin.on("error", () => {});
      child.stdin.end(input);
    }
  });
}

/** A fresh directory under the OS temp dir (never inside the repo). */
export const tempDir = (prefix) => mkdtempSync(join(tmpdir(), `paradigm-${prefix}-`));

/** `npm pack` of the current dist/ (no lifecycle scripts: the caller built already). Returns the tarball path. */
export async function pack(destDir) {
  const r = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", destDir], { cwd: ROOT });
  if (r.status !== 0) throw new Error(`npm pack failed:\n${r.stderr}`);
  const [info] = JSON.parse(r.stdout);
  return { tarball: join(destDir, info.filename), files: info.files.map((f) => f.path), size: info.size, unpackedSize: info.unpackedSize };
}

/**
 * Installs `deps` (name → spec; the tarball as `file:` spec) into `dir`, from the npm cache when it has them.
 * `pkg` adds package.json fields (e.g. "type").
 */
export async function install(dir, deps, pkg = {}) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), `${JSON.stringify({ name: "consumer", private: true, ...pkg, dependencies: deps }, null, 2)}\n`);
  const r = await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"], { cwd: dir });
  if (r.status !== 0) throw new Error(`npm install in ${dir} failed:\n${r.stderr}`);
  return r.ms;
}
