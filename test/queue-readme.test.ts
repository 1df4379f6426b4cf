// The README's queue example, run as written (issue 11, finding 12): the block is taken from README.md, its
// package imports pointed at src/, its `declare const ratings` given a list, and it is run in a child
// process against a loopback counting server, twice on the same outbox, as a restart would.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type CountingServer, startCountingServer } from "./fixtures/counting-server.ts";
import { spawnTs } from "./fixtures/spawn-cli.ts";

const ROOT = join(import.meta.dirname, "..");
const DECLARE = /^declare const ratings: .*$/m;
// The child runs in a scratch directory, so tsx is named by path rather than resolved from there.

function readmeQueueExample(): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string).find((b) => b.includes("createFeedbackQueue"));
  if (!block) throw new Error("README.md has no ```ts block using createFeedbackQueue");
  if (!DECLARE.test(block)) throw new Error("the README queue example no longer declares `ratings`");
  return block
    .replace(`from "paradigm-client/queue"`, `from ${JSON.stringify(join(ROOT, "src", "queue", "index.ts"))}`)
    .replace(`from "paradigm-client"`, `from ${JSON.stringify(join(ROOT, "src", "client", "index.ts"))}`)
    .replace(DECLARE, "const ratings = JSON.parse(process.env.RATINGS as string);");
}

let server: CountingServer;
let dir: string;
beforeAll(async () => {
  server = await startCountingServer();
  dir = mkdtempSync(join(tmpdir(), "paradigm-readme-queue-"));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

it("the README's queue example is idempotent: run twice on the same outbox, the second run sends nothing", { timeout: 45_000 }, async () => {
  const script = join(dir, "example.mts"); // .mts: an ES module (top-level await) outside the package;
  writeFileSync(script, readmeQueueExample());
  const ratings = Array.from({ length: 300 }, (_, i) => ({ typeId: 1 + (i % 3), completionId: `cmpl-${i}`, thumbsUp: i % 2 === 0 }));
  // Asynchronous: the counting server answers from this process, so it must not be blocked while the child runs.
  const run = async () => {
    const { code, stdout, stderr } = await spawnTs(script, [], {
      cwd: dir, // the example's fileStore("feedback-outbox.jsonl") lands here
      env: { PARADIGM_API_KEY: "readme-key", PARADIGM_BASE_URL: server.url, RATINGS: JSON.stringify(ratings) },
      timeout: 20_000,
    }).done;
    expect(stderr).toBe("");
    expect(code).toBe(0);
    return stdout;
  };
  await run();
  expect(server.accepted).toBe(ratings.length);
  const second = await run();
  expect(server.accepted).toBe(ratings.length); // nothing sent again
  expect([...server.counts.values()].every((n) => n === 1)).toBe(true);
  expect(second).toMatch(/delivered: 0/);
});
