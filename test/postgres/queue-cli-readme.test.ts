// The README's PostgreSQL worker example, run as written (its imports pointed at src/) against the tier's cluster:
// it rides out its connections being terminated (57P01, as on a PostgreSQL restart) and stops gracefully on Ctrl-C.
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, inject, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue, migratePostgresQueue } from "../../src/postgres/index.ts";
import { spawnTs } from "../fixtures/spawn-cli.ts";
import { newPool, startScriptedServer, until } from "./queue-setup.ts";

const ROOT = join(import.meta.dirname, "..", "..");
// Under node_modules, so the snippet's `import pg from "pg"` resolves as in an app.
const DIR = join(ROOT, "node_modules", ".cache", `readme-${randomBytes(4).toString("hex")}`);
const pool = newPool(3);
afterAll(async () => {
  rmSync(DIR, { recursive: true, force: true });
  await pool.end();
});

function readmeSnippet(containing: string): string {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## PostgreSQL outbox"), readme.indexOf("## Feedback from the browser"));
  const block = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1] as string).find((b) => b.includes(containing));
  if (!block) throw new Error(`no README snippet with ${containing}`);
  return block
    .replace(`from "paradigm-client/postgres"`, `from ${JSON.stringify(join(ROOT, "src", "postgres", "index.ts"))}`)
    .replace(`from "paradigm-client"`, `from ${JSON.stringify(join(ROOT, "src", "client", "index.ts"))}`);
}

it("the README worker survives its connections being terminated and, on SIGINT, finishes the request in flight", { timeout: 60_000 }, async () => {
  const schema = `s_${randomBytes(6).toString("hex")}`;
  await pool.query(`CREATE SCHEMA ${schema}`);
  const table = `${schema}.paradigm_feedback_outbox`; // the example's default name, found through search_path
  await migratePostgresQueue(pool, { table });
  const server = await startScriptedServer((key) => ({ status: 200, ...(key === "1/slow" ? { delayMs: 1500 } : {}) }));
  const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: server.url }), { pool, table });
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, "worker.mts");
  writeFileSync(file, readmeSnippet("outbox.work("));
  const app = `readme-worker-${randomBytes(4).toString("hex")}`;
  const child = spawnTs(file, [], {
    env: {
      DATABASE_URL: inject("pgUrl"),
      PGAPPNAME: app,
      PGOPTIONS: `-c search_path=${schema}`,
      PARADIGM_API_KEY: "k",
      PARADIGM_BASE_URL: server.url,
    },
  });
  try {
    await outbox.enqueue(1, "a", { flag: true });
    await until(async () => (await outbox.counts()).delivered === 1, 15_000, "the first delivery");
    // What pg_ctl stop -m fast does to each connection: 57P01 on the idle ones.
    const { rowCount } = await pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [app]);
    expect(rowCount).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1000));
    expect(child.exitCode(), child.err()).toBeNull();
    await outbox.enqueue(1, "b", { flag: true });
    await until(async () => (await outbox.counts()).delivered === 2, 15_000, "a delivery after the connections were terminated");

    await outbox.enqueue(1, "slow", { flag: true });
    await until(() => server.count("1/slow") === 1, 15_000, "the slow request");
    child.kill("SIGINT");
    const done = await child.done;
    expect(done.code, done.stderr).toBe(0);
    expect(await outbox.counts()).toMatchObject({ delivered: 3, inFlight: 0, unknown: 0 });
    expect(server.count("1/slow")).toBe(1);
    // Database errors are logged as one line each (message and SQLSTATE), never as whole error objects and stacks.
    expect(done.stderr).toMatch(/terminating connection due to administrator command/);
    expect(done.stderr).not.toMatch(/\n\s+at |\{\n/);
  } finally {
    child.kill("SIGKILL");
    await server.close();
  }
});

it("the README operations example connects with DATABASE_URL like the others and exits when done", { timeout: 30_000 }, async () => {
  const schema = `s_${randomBytes(6).toString("hex")}`;
  await pool.query(`CREATE SCHEMA ${schema}`);
  await migratePostgresQueue(pool, { table: `${schema}.paradigm_feedback_outbox` });
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, "operations.mts");
  writeFileSync(file, readmeSnippet("outbox.counts()"));
  const run = spawnTs(file, [], {
    env: { DATABASE_URL: inject("pgUrl"), PGOPTIONS: `-c search_path=${schema}`, PARADIGM_API_KEY: "k", PARADIGM_BASE_URL: "http://127.0.0.1:9" },
    timeout: 20_000,
  });
  const done = await run.done;
  expect(done.code, done.stderr).toBe(0);
  expect(done.stdout).toContain("queued: 0");
  expect(done.seconds).toBeLessThan(9); // not the pool's idle timeout (10 s) on top of a start that is slow under load
});
