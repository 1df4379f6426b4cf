// `paradigm-client postgres-migrate` and `postgres-status` against the tier's PostgreSQL: SQL on stdout and logs on
// stderr, exit codes, and the connection password never printed.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, inject, it } from "vitest";
import { EXIT, helpText } from "../../src/cli/index.ts";
import { POSTGRES_COMMANDS } from "../../src/cli/postgres.ts";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue, postgresQueueSql } from "../../src/postgres/index.ts";
import { runMain, spawnCli } from "../fixtures/spawn-cli.ts";
import { freshTable, newPool } from "./queue-setup.ts";

const pool = newPool(4);
afterAll(() => pool.end());

describe("paradigm-client postgres-migrate", () => {
  it("--print writes exactly the migration SQL to stdout, nothing to stderr, without connecting (child process)", async () => {
    const r = await spawnCli(["postgres-migrate", "--print", "--table", "app.outbox"], { DATABASE_URL: "postgres://u:pw@127.0.0.1:1/none" }).done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(postgresQueueSql({ table: "app.outbox" }));
    expect(r.stderr).toBe("");
  });

  it("creates the tables (idempotent), logging to stderr only; --json prints one object", async () => {
    const table = freshTable();
    const env = { DATABASE_URL: inject("pgUrl") };
    const first = await runMain(["postgres-migrate", "--table", table], env);
    expect(first).toMatchObject({ code: 0, stdout: "" });
    expect(first.stderr).toContain(`${table} is ready`);
    const again = await runMain(["postgres-migrate", "--table", table, "--json"], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ table, migrated: true });
    const { rows } = await pool.query("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_name IN ($1, $2)", [table, `${table}_pause`]);
    expect(rows[0].n).toBe(2);
  });

  it("refuses a bad --table with exit 3 before connecting", async () => {
    const r = await runMain(["postgres-migrate", "--table", "x;drop"], { DATABASE_URL: inject("pgUrl") });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/table must be an SQL identifier/);
    expect(r.stdout).toBe("");
  });

  it("never prints the password of DATABASE_URL or PGPASSWORD when the connection fails (exit 3)", async () => {
    const url = "postgres://app:s3cr3t-pw@127.0.0.1:1/app";
    const r = await runMain(["postgres-migrate"], { DATABASE_URL: url });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("could not connect to PostgreSQL at postgres://app@127.0.0.1:1/app:");
    expect(r.stderr + r.stdout).not.toContain("s3cr3t-pw");
    const port = new URL(inject("pgUrl")).port;
    const wrong = await runMain(["postgres-status"], { DATABASE_URL: `postgres://nobody_here:s3cr3t-pw@127.0.0.1:${port}/postgres` });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr + wrong.stdout).not.toContain("s3cr3t-pw");
  });
});

describe("paradigm-client postgres-status", () => {
  it("prints the counts per status (--json)", async () => {
    const table = freshTable();
    const env = { DATABASE_URL: inject("pgUrl") };
    expect((await runMain(["postgres-migrate", "--table", table], env)).code).toBe(0);
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" }), { pool, table });
    await outbox.enqueue(1, "a", { flag: true });
    await outbox.enqueue(1, "b", { flag: true });
    const r = await runMain(["postgres-status", "--table", table, "--json"], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ table, queued: 2, inFlight: 0, delivered: 0, failed: 0, unknown: 0, pausedSeconds: null });
    expect(JSON.parse(r.stdout).oldestQueuedSeconds).toBeGreaterThanOrEqual(0);
    const text = await runMain(["postgres-status", "--table", table], env);
    expect(text.stdout).toMatch(new RegExp(`^${table}: 2 queued, 0 in flight, 0 delivered, 0 failed, 0 unknown\\noldest queued: `));
  });

  it("a table that does not exist is exit 3 (configuration) with the database's words", async () => {
    const r = await runMain(["postgres-status", "--table", freshTable()], { DATABASE_URL: inject("pgUrl") });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/does not exist/);
  });
});

describe("postgres-* in --help and the README", () => {
  it("the top-level usage line of each postgres-* command shows every flag it accepts", () => {
    const usage = helpText().split("\n");
    for (const [name, c] of Object.entries(POSTGRES_COMMANDS)) {
      const line = usage.find((l) => l.startsWith(`  paradigm-client ${name} `));
      for (const flag of [...Object.keys(c.options()), "json"]) expect(line, name).toContain(`--${flag}`);
    }
  });

  it("the README's exit-code row 3 says what --help says (postgres-* cases included)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const row = readme.match(/^\| 3 +\| (.*?) +\|$/m)?.[1]?.replaceAll("`", "");
    expect(row).toBe(EXIT.config[1]);
  });
});
