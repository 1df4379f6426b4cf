// Builds of paradigm-client for queue-ab.mjs: the working tree's src/, and optionally the same tree with
// src/queue/ taken from a git revision (e.g. `--queue-from=HEAD~3`), so a queue change is measured against the
// queue it replaces over the very same client code. Each build is an esbuild bundle like paradigm-entry.mjs's
// (index + queue, code splitting, dependencies external) under bench/.work/queue-ab/<name>.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { bundleEntries } from "./paradigm-entry.mjs";

const bundle = (dir) => bundleEntries({ index: join(dir, "src", "client", "index.ts"), queue: join(dir, "src", "queue", "index.ts") }, join(dir, "build"));

/** Returns [{ name, index, queue }]: "working tree", then, with `rev`, "queue at <rev>". */
export async function queueBuilds(root, work, rev) {
  const out = [];
  const make = async (name, queueRev) => {
    const dir = join(work, "queue-ab", name.replace(/[^\w.-]+/g, "_"));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    cpSync(join(root, "src"), join(dir, "src"), { recursive: true });
    cpSync(join(root, "generated"), join(dir, "generated"), { recursive: true });
    if (queueRev) {
      rmSync(join(dir, "src", "queue"), { recursive: true, force: true });
      mkdirSync(join(dir, "src", "queue"));
      const ls = spawnSync("git", ["ls-tree", "--name-only", `${queueRev}:src/queue`], { cwd: root, encoding: "utf8" });
      if (ls.status !== 0) throw new Error(`git ls-tree ${queueRev}:src/queue failed: ${ls.stderr}`);
      for (const f of ls.stdout.trim().split("\n")) {
        const show = spawnSync("git", ["show", `${queueRev}:src/queue/${f}`], { cwd: root, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
        writeFileSync(join(dir, "src", "queue", f), show.stdout);
      }
    }
    out.push({ name, ...(await bundle(dir)) });
  };
  if (rev) await make(`queue at ${rev}`, rev);
  await make("working tree", undefined);
  return out;
}

// CLI: node bench/lib/queue-builds.mjs <rev> → prints the builds' JSON (for queue-ab.mjs by hand).
if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const root = join(import.meta.dirname, "..", "..");
  console.log(JSON.stringify(await queueBuilds(root, join(root, "bench", ".work"), process.argv[2])));
}
