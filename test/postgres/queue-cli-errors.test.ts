// Database errors of the postgres-* commands that are the caller's setup, not a bug: a missing schema, a missing
// table, a table that is not an outbox, a role without the privilege. Exit 3 with a hint, mapped by SQLSTATE.
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { createParadigmClient } from "../../src/client/index.ts";
import { createPostgresQueue } from "../../src/postgres/index.ts";
import { runMain } from "../fixtures/spawn-cli.ts";
import { freshTable, migrated, newPool } from "./queue-setup.ts";

const pool = newPool(2);
const roles: string[] = [];
afterAll(async () => {
  for (const role of roles) await pool.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => undefined);
  await pool.end();
});

const env = () => ({ DATABASE_URL: inject("pgUrl") });

describe("postgres-* database errors that are configuration (exit 3)", () => {
  it("postgres-migrate into a schema that does not exist: exit 3, saying to create the schema first", async () => {
    const schema = `s_${randomBytes(6).toString("hex")}`;
    const r = await runMain(["postgres-migrate", "--table", `${schema}.outbox`], env());
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`schema "${schema}" does not exist`);
    expect(r.stderr).toMatch(/create the schema first/);
    expect(r.stdout).toBe("");
  });

  it("postgres-status of a table that does not exist: exit 3, pointing at postgres-migrate", async () => {
    const table = freshTable();
    const r = await runMain(["postgres-status", "--table", table], env());
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/does not exist/);
    expect(r.stderr).toContain(`paradigm-client postgres-migrate --table ${table}`);
    expect(r.stdout).toBe("");
  });

  it("an unrelated table with that name: exit 3, saying it is not a paradigm outbox (status and migrate)", async () => {
    const table = freshTable();
    await pool.query(`CREATE TABLE ${table} (id int)`);
    for (const command of ["postgres-status", "postgres-migrate"]) {
      const r = await runMain([command, "--table", table], env());
      expect(r.code, command).toBe(3);
      expect(r.stderr, command).toMatch(new RegExp(`${table} is not a paradigm-client outbox`));
      expect(r.stdout, command).toBe("");
    }
  });

  it("a role without the privilege: exit 3 (status of a table it may not read, migrate in a schema it may not create in)", async () => {
    const table = freshTable();
    expect((await runMain(["postgres-migrate", "--table", table], env())).code).toBe(0);
    const role = `r_${randomBytes(6).toString("hex")}`;
    roles.push(role);
    await pool.query(`CREATE ROLE ${role} LOGIN`);
    const schema = `s_${randomBytes(6).toString("hex")}`;
    await pool.query(`CREATE SCHEMA ${schema}`); // owned by the superuser: the role may not create in it
    const url = new URL(inject("pgUrl"));
    url.username = role;
    url.password = "";
    const status = await runMain(["postgres-status", "--table", table], { DATABASE_URL: url.href });
    expect(status.code).toBe(3);
    expect(status.stderr).toMatch(/permission denied/);
    const migrate = await runMain(["postgres-migrate", "--table", `${schema}.outbox`], { DATABASE_URL: url.href });
    expect(migrate.code).toBe(3);
    expect(migrate.stderr).toMatch(/permission denied/);
  });
});

describe("what an expired lease's item says (shown by failed() and onError)", () => {
  it("does not claim the worker crashed: a live worker whose settle failed (database outage) loses its lease too", async () => {
    const table = await migrated(pool);
    const outbox = createPostgresQueue(createParadigmClient({ apiKey: "k", baseUrl: "http://127.0.0.1:9" }), { pool, table });
    const { id } = await outbox.enqueue(1, "c1", { flag: true });
    // As a live worker leaves it when its settle could not be written: in flight, lease over.
    await pool.query(
      `UPDATE ${table} SET status = 'in_flight', worker = 'live-worker-1', claim = 'c', lease_until = now() - interval '1 second' WHERE id = $1`,
      [id],
    );
    expect(await outbox.reapExpired()).toBe(1);
    const [f] = await outbox.failed();
    expect(f?.error.message).toContain("live-worker-1");
    expect(f?.error.message).not.toMatch(/crashed or hung/);
    expect(f?.error.message).toMatch(/stopped, crashed, or could not record the outcome/);
  });
});
