// The one place that runs Redocly CLI: pinned local binary, telemetry and update notices off.
import { spawn, spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const bin = join(dirname(require.resolve("@redocly/cli/package.json")), "bin", "cli.js");

export const quietEnv = {
  ...process.env,
  REDOCLY_TELEMETRY: "off",
  REDOCLY_SUPPRESS_UPDATE_NOTICE: "true",
  REDOCLY_SUPPRESS_NOTIFICATIONS: "true",
  NO_UPDATE_NOTIFIER: "1",
};

// Redocly prints a boxed Node 20 end-of-life banner on every run; it is noise in our logs.
const banner = /^\s*[╔║╚].*$\n?/gmu;

/** Runs `redocly <args>`; returns { status, stdout, stderr } with the banner removed. */
export function redocly(args, { echo = false } = {}) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: ROOT,
    env: quietEnv,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const out = { status: r.status ?? 1, stdout: r.stdout.replace(banner, ""), stderr: r.stderr.replace(banner, "") };
  if (echo) {
    process.stdout.write(out.stdout);
    process.stderr.write(out.stderr);
  }
  return out;
}

/**
 * Starts `redocly <args>` without waiting, so the caller keeps working while Redocly runs in its own
 * process. `done` resolves to what redocly() returns; `cancel()` kills the child (a failed run must
 * not leave it behind).
 */
export function redoclyAsync(args) {
  const child = spawn(process.execPath, [bin, ...args], { cwd: ROOT, env: quietEnv, stdio: ["ignore", "pipe", "pipe"] });
  const stdout = [];
  const stderr = [];
  child.stdout.on("data", (c) => stdout.push(c));
  child.stderr.on("data", (c) => stderr.push(c));
  const done = new Promise((resolve) => {
    const finish = (status) =>
      resolve({
        status,
        stdout: Buffer.concat(stdout).toString("utf8").replace(banner, ""),
        stderr: Buffer.concat(stderr).toString("utf8").replace(banner, ""),
      });
    child.on("error", (e) => {
      stderr.push(Buffer.from(`${e.message}\n`));
      finish(1);
    });
    child.on("close", (code) => finish(code ?? 1));
  });
  return {
    done,
    cancel() {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}
