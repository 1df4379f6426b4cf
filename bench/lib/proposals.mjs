// Measures the hot-path proposals in bench/proposals/*.patch: each patch (and all of them together) is applied
// to a copy of the working tree's src/ and generated/ under bench/.work/proposals/<name>, bundled with esbuild
// like the main benchmarks, and timed against the unpatched code IN THE SAME PROCESS, interleaved in short
// batches (proposal-ab.mjs), so machine load hits every variant alike. A patch that no longer applies to
// src/ is reported as stale, not measured.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { bundleEntries } from "./paradigm-entry.mjs";

async function variant(root, work, name, patches) {
  const dir = join(work, "proposals", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(join(root, "src"), join(dir, "src"), { recursive: true });
  cpSync(join(root, "generated"), join(dir, "generated"), { recursive: true });
  for (const p of patches) {
    const r = spawnSync("git", ["apply", "-p1", "--directory=", p], { cwd: dir, encoding: "utf8" });
    // `git apply` outside a repository applies relative to cwd; fall back to patch(1) if git refuses.
    if (r.status !== 0) {
      const q = spawnSync("patch", ["-p1", "-s", "-N", "-i", p], { cwd: dir, encoding: "utf8" });
      if (q.status !== 0) return { name, stale: `${p.split("/").pop()} does not apply to src/: ${(r.stderr || q.stdout).trim().split("\n")[0]}` };
    }
  }
  const { index } = await bundleEntries({ index: join(dir, "src", "client", "index.ts") }, join(dir, "build"));
  return { name, entry: index };
}

/** Returns { builds, stale } : builds is [{ name, entry }], the unpatched one first. */
export async function buildProposals(root, work) {
  const dir = join(root, "bench", "proposals");
  const patches = existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith(".patch"))
        .sort()
        .map((f) => join(dir, f))
    : [];
  const out = [await variant(root, work, "unpatched", [])];
  for (const p of patches)
    out.push(
      await variant(
        root,
        work,
        p
          .split("/")
          .pop()
          .replace(/\.patch$/, ""),
        [p],
      ),
    );
  if (patches.length > 1) out.push(await variant(root, work, "all-patches", patches));
  return { builds: out.filter((b) => !b.stale), stale: out.filter((b) => b.stale) };
}
